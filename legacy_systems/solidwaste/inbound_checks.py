"""Line-by-line checks of an inbound work-order file, before anything in it is accepted."""
from dataclasses import dataclass

from legacy_systems.common.rules import BusinessRuleError, WorkOrderRules

from .records import LAYOUTS, RecordError

LAYOUT = LAYOUTS["workorder"]
NON_ASCII, STRUCTURE, COUNT_MISMATCH = "E10", "E08", "E07"
UNKNOWN_CATEGORY, BAD_PRIORITY, DUPLICATE_REFERENCE = "E05", "E06", "E09"


@dataclass(frozen=True)
class LineError:
    """One reason a file is rejected: where (line, field), the code, and plain words."""

    line_number: int
    field: str
    code: str
    reason: str
    existing_id: str | None = None


def check_file(text: str, rules: WorkOrderRules, priorities: list[str]) -> tuple[list[tuple[int, dict]], list[LineError]]:
    """The detail records as (line number, values), and every error found (none means accept)."""
    lines = text.splitlines()
    errors, details = structure_errors(lines), []
    for number, line in enumerate(lines, 1):
        if not line.isascii():
            errors.append(LineError(number, "RECORD", NON_ASCII, "NON-ASCII CHARACTERS"))
            continue
        try:
            record_type, values = LAYOUT.decode(line)
        except RecordError as error:
            errors.append(LineError(number, error.field, error.code, error.reason))
            continue
        if record_type == "D":
            errors.extend(detail_errors(number, values, rules, priorities, details))
            details.append((number, values))
    return details, sorted(errors, key=lambda error: error.line_number)


def structure_errors(lines: list[str]) -> list[LineError]:
    """Header first, trailer last, details between, and a trailer count that matches."""
    if len(lines) < 3:
        return [LineError(0, "FILE", STRUCTURE, "FILE NEEDS A HEADER, DETAIL RECORDS AND A TRAILER")]
    errors = []
    if not lines[0].startswith("H"):
        errors.append(LineError(1, "RECORD-TYPE", STRUCTURE, "FIRST RECORD MUST BE A HEADER (H)"))
    if not lines[-1].startswith("T"):
        errors.append(LineError(len(lines), "RECORD-TYPE", STRUCTURE, "LAST RECORD MUST BE A TRAILER (T)"))
    errors += [LineError(number, "RECORD-TYPE", STRUCTURE, "ONLY DETAIL (D) RECORDS BETWEEN HEADER AND TRAILER")
               for number, line in enumerate(lines[1:-1], 2) if line[:1] in ("H", "T")]
    count = lines[-1][1:7]
    if lines[-1].startswith("T") and count.isdigit() and int(count) != len(lines) - 2:
        errors.append(LineError(len(lines), "RECORD_COUNT", COUNT_MISMATCH,
                                f"TRAILER COUNT {int(count)}, FILE HAS {len(lines) - 2} DETAIL RECORDS"))
    return errors


def detail_errors(number: int, values: dict, rules: WorkOrderRules, priorities: list[str],
                  earlier: list[tuple[int, dict]]) -> list[LineError]:
    """Business checks of one detail record: category, priority, reference not already on file."""
    errors = []
    try:
        rules.check_category(values["category"])
    except BusinessRuleError:
        errors.append(LineError(number, "CATEGORY", UNKNOWN_CATEGORY, f"UNKNOWN CATEGORY CODE '{values['category']}'"))
    if values["priority"] not in priorities:
        errors.append(LineError(number, "PRIORITY", BAD_PRIORITY, f"PRIORITY MUST BE ONE OF {' '.join(priorities)}"))
    on_file = rules.store.find_by_reference(values["external_ref"])
    if on_file:
        errors.append(LineError(number, "EXTERNAL_REF", DUPLICATE_REFERENCE,
                                f"REFERENCE ALREADY ON FILE AS {on_file[0]['legacy_id']}", on_file[0]["legacy_id"]))
    elif any(values["external_ref"] == other["external_ref"] for _, other in earlier):
        errors.append(LineError(number, "EXTERNAL_REF", DUPLICATE_REFERENCE, "REFERENCE REPEATED IN THIS FILE"))
    return errors
