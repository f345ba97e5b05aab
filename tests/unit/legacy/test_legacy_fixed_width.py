"""Fixed-width records: the adapter's codec, the simulator's, and that both read the same layouts."""
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from legacy_systems.solidwaste.records import LAYOUTS as SIMULATOR_LAYOUTS
from legacy_systems.solidwaste.records import RecordError
from services.workorders.adapters.fixed_width import as_ascii
from services.workorders.adapters.solidwaste_formats import LAYOUTS as ADAPTER_LAYOUTS

ROOT = Path(__file__).resolve().parents[3]
MOMENT = datetime(2026, 3, 1, 14, 5, 9, 123000, tzinfo=timezone.utc)
references = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=36)
coordinates = st.one_of(st.none(), st.floats(min_value=-180, max_value=180).map(lambda v: round(v, 6)))


def test_adapter_and_simulator_use_the_same_layouts():
    adapter = yaml.safe_load((ROOT / "services/workorders/adapters/solidwaste_records.yaml").read_text())
    simulator = yaml.safe_load((ROOT / "legacy_systems/solidwaste/record_layouts.yaml").read_text())
    assert adapter == simulator


def test_layout_fields_fit_the_record_and_do_not_overlap():
    for layout in SIMULATOR_LAYOUTS.values():
        for fields in layout.records.values():
            columns = [column for f in fields for column in range(f.start, f.start + f.width)]
            assert len(columns) == len(set(columns)) and min(columns) == 2 and max(columns) <= layout.length


@given(reference=references, latitude=coordinates, longitude=coordinates,
       description=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=96))
def test_detail_written_by_the_adapter_reads_back_in_the_simulator(reference, latitude, longitude, description):
    values = {"external_ref": reference, "category": "MC01", "priority": "3", "latitude": latitude,
              "longitude": longitude, "address": None, "description": description}
    line = ADAPTER_LAYOUTS["workorder"].encode("D", values)
    assert len(line) == 220
    if not description.strip():
        return  # a blank required field is the simulator's E04, checked below
    record_type, decoded = SIMULATOR_LAYOUTS["workorder"].decode(line)
    assert record_type == "D"
    # the record holds one line: the adapter writes runs of spaces (and line breaks) as one space
    assert decoded == {**values, "description": " ".join(description.split())}


@given(reference=references, resolution=st.sampled_from([None, "CLT", "REM"]))
def test_status_line_written_by_the_simulator_reads_back_in_the_adapter(reference, resolution):
    values = {"legacy_id": "SW00000042", "external_ref": reference, "status": "CP", "changed_at": MOMENT,
              "resolution": resolution}
    line = SIMULATOR_LAYOUTS["status"].encode("S", values)
    assert ADAPTER_LAYOUTS["status"].decode(line) == ("S", values)


def test_acknowledgement_error_record_columns():
    line = SIMULATOR_LAYOUTS["acknowledgement"].encode("E", {
        "line_number": 2, "field": "CATEGORY", "code": "E05", "reason": "UNKNOWN CATEGORY CODE 'ZZ99'"})
    assert line[:23] == "E000002CATEGORY    E05 " and line[33:61] == "UNKNOWN CATEGORY CODE 'ZZ99'"
    assert ADAPTER_LAYOUTS["acknowledgement"].decode(line)[1]["existing_id"] is None


def test_text_is_flattened_to_ascii_and_cut_to_width():
    assert as_ascii("Crème brûlée\non the curb") == "Creme brulee on the curb"
    line = ADAPTER_LAYOUTS["workorder"].encode("D", {"external_ref": "SR-1", "description": "é" + "x" * 200})
    assert line.isascii() and len(line) == 220 and line[124:220] == "e" + "x" * 95


@pytest.mark.parametrize("line, field, code", [
    ("D" + " " * 10, "RECORD", "E01"),
    ("X" + " " * 219, "RECORD-TYPE", "E02"),
    ("T" + "12A456" + " " * 213, "RECORD_COUNT", "E03"),
    ("T" + " " * 219, "RECORD_COUNT", "E04"),
])
def test_simulator_names_the_field_and_code_of_a_bad_line(line, field, code):
    with pytest.raises(RecordError) as error:
        SIMULATOR_LAYOUTS["workorder"].decode(line)
    assert (error.value.field, error.value.code) == (field, code)


def test_adapter_refuses_garbage_lines():
    with pytest.raises(ValueError):
        ADAPTER_LAYOUTS["status"].decode("#### 0x1F CHECKPOINT RESTART ####")
    with pytest.raises(ValueError):
        ADAPTER_LAYOUTS["status"].decode("S" + "SW1".ljust(10) + "R".ljust(36) + "CP" + "2026030114050X123" + " " * 14)
