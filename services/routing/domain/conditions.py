"""The `when:` part of a routing rule: attribute values and geography a request must match."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.routing.domain.catalog import LIST_DATATYPES, ServiceType
from services.routing.domain.config_file import Entry
from services.routing.domain.geography import Location

KEYS = ("attributes", "in_park", "council_district", "neighbourhood", "any_of")


@dataclass(frozen=True)
class Condition:
    """All given parts must hold; `any_of` holds when at least one alternative does."""
    attributes: tuple[tuple[str, frozenset[str]], ...] = ()
    in_park: bool | None = None
    council_districts: frozenset[str] | None = None
    neighbourhoods: frozenset[str] | None = None
    any_of: tuple[Condition, ...] = ()

    def holds(self, attributes: dict[str, Any], location: Location) -> bool:
        """True if a request with these attribute values at this location matches."""
        return (all(_chosen(attributes.get(code)) & allowed for code, allowed in self.attributes)
                and self.in_park in (None, location.in_park)
                and _within(location.council_district, self.council_districts)
                and _within(location.neighbourhood, self.neighbourhoods)
                and (not self.any_of or any(c.holds(attributes, location) for c in self.any_of)))

    def describe(self) -> str:
        """Human wording of the condition, for explanations."""
        parts = [f"{code}={'/'.join(sorted(allowed))}" for code, allowed in self.attributes]
        if self.in_park is not None:
            parts.append("inside a park" if self.in_park else "not inside a park")
        if self.council_districts:
            parts.append(f"council district {'/'.join(sorted(self.council_districts))}")
        if self.neighbourhoods:
            parts.append(f"neighbourhood {'/'.join(sorted(self.neighbourhoods))}")
        if self.any_of:
            parts.append("(" + " or ".join(c.describe() for c in self.any_of) + ")")
        return " and ".join(parts) or "always"


def _chosen(value: Any) -> set[str]:
    """A request attribute value as a set of keys (multivaluelist answers are lists)."""
    if value is None:
        return set()
    return {str(item) for item in value} if isinstance(value, (list, tuple, set)) else {str(value)}


def _within(area, codes: frozenset[str] | None) -> bool:
    return codes is None or (area is not None and area.code in codes)


def parse_condition(entry: Entry, service: ServiceType, area_codes: dict[str, set[str]]) -> Condition:
    """Parse and check a `when:` mapping against the service's attributes and known areas."""
    for key in entry.values:
        if key not in KEYS:
            entry.fail(f"unknown condition '{key}' (use {', '.join(KEYS)})", key)
    alternatives = entry.optional("any_of", list, [])
    if any(not isinstance(item, Entry) for item in alternatives):
        entry.fail("every alternative of 'any_of' must be a mapping", "any_of")
    return Condition(
        attributes=_attribute_tests(entry, service),
        in_park=entry.optional("in_park", bool),
        council_districts=_area_codes(entry, "council_district", area_codes),
        neighbourhoods=_area_codes(entry, "neighbourhood", area_codes),
        any_of=tuple(parse_condition(item, service, area_codes) for item in alternatives))


def _attribute_tests(entry: Entry, service: ServiceType) -> tuple[tuple[str, frozenset[str]], ...]:
    tests = entry.optional("attributes", Entry)
    if tests is None:
        return ()
    return tuple((code, _allowed_values(tests, code, service)) for code in tests.values)


def _allowed_values(tests: Entry, code: str, service: ServiceType) -> frozenset[str]:
    attribute = service.attribute(code)
    if attribute is None:
        tests.fail(f"unknown attribute '{code}' for service {service.code}", code)
    value = tests.typed(code, (str, list))
    values = value if isinstance(value, list) else [value]
    for item in values:
        if not isinstance(item, str):
            tests.fail(f"attribute value {item!r} for '{code}' must be quoted text", code)
        if attribute.datatype in LIST_DATATYPES and item not in attribute.value_keys:
            tests.fail(f"unknown value '{item}' for attribute {code} of service {service.code} "
                       f"(known: {', '.join(attribute.value_keys)})", code)
    return frozenset(values)


def _area_codes(entry: Entry, kind: str, area_codes: dict[str, set[str]]) -> frozenset[str] | None:
    value = entry.optional(kind, (str, list))
    if value is None:
        return None
    codes = frozenset(value if isinstance(value, list) else [value])
    unknown = codes - area_codes.get(kind, set())
    if unknown:
        entry.fail(f"unknown {kind.replace('_', ' ')} {', '.join(sorted(map(str, unknown)))}", kind)
    return codes
