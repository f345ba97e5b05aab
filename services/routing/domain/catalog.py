"""The Open311 service catalog (services.yaml): service types and their attributes."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.routing.domain.config_file import Entry, load_yaml

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
SERVICE_TYPES = ("realtime", "batch", "blackbox")


@dataclass(frozen=True)
class ServiceAttribute:
    """One Open311 attribute of a service definition."""
    code: str
    datatype: str
    required: bool
    variable: bool
    order: int
    description: str
    datatype_description: str | None
    values: tuple[tuple[str, str], ...]  # (key, name) pairs for list datatypes

    @property
    def value_keys(self) -> tuple[str, ...]:
        """The keys a list attribute accepts, in catalog order."""
        return tuple(key for key, _ in self.values)


@dataclass(frozen=True)
class ServiceType:
    """One service a resident can request."""
    code: str
    name: str
    description: str
    group: str
    keywords: tuple[str, ...]
    department: str
    type: str
    attributes: tuple[ServiceAttribute, ...]

    def attribute(self, code: str) -> ServiceAttribute | None:
        """The attribute with this code, or None."""
        return next((attribute for attribute in self.attributes if attribute.code == code), None)


def load_catalog(path: Path, departments: set[str]) -> dict[str, ServiceType]:
    """Read services.yaml into service types keyed by service code."""
    services: dict[str, ServiceType] = {}
    for entry in load_yaml(path).entries("services"):
        service = _service(entry, departments)
        if service.code in services:
            entry.fail(f"duplicate service code '{service.code}'", "service_code")
        services[service.code] = service
    return services


def _service(entry: Entry, departments: set[str]) -> ServiceType:
    # translations: residents' texts in other languages, read by intake (services/intake/open311/catalog.py)
    entry.only("service_code", "service_name", "description", "group", "keywords",
               "department", "type", "attributes", "translations")
    department = entry.require("department")
    if department not in departments:
        entry.fail(f"unknown department '{department}'", "department")
    kind = entry.optional("type", str, "realtime")
    if kind not in SERVICE_TYPES:
        entry.fail(f"unknown service type '{kind}' (use {', '.join(SERVICE_TYPES)})", "type")
    attributes = tuple(sorted((_attribute(item) for item in entry.entries("attributes", False)),
                              key=lambda attribute: attribute.order))
    codes = [attribute.code for attribute in attributes]
    if len(set(codes)) != len(codes):
        entry.fail("duplicate attribute code in service", "attributes")
    return ServiceType(
        code=entry.require("service_code"), name=entry.require("service_name"),
        description=entry.require("description"), group=entry.require("group"),
        keywords=tuple(entry.optional("keywords", list, [])), department=department,
        type=kind, attributes=attributes)


def _attribute(entry: Entry) -> ServiceAttribute:
    entry.only("code", "datatype", "required", "variable", "order", "description",
               "datatype_description", "values", "translations")
    datatype = entry.require("datatype")
    if datatype not in DATATYPES:
        entry.fail(f"unknown datatype '{datatype}' (use {', '.join(DATATYPES)})", "datatype")
    variable = entry.optional("variable", bool, True)
    required = entry.optional("required", bool, False)
    if required and not variable:
        entry.fail("an attribute with variable: false only informs; it cannot be required",
                   "required")
    return ServiceAttribute(
        code=entry.require("code"), datatype=datatype, required=required, variable=variable,
        order=entry.require("order", int), description=entry.require("description"),
        datatype_description=entry.optional("datatype_description", str),
        values=_values(entry, datatype))


def _values(entry: Entry, datatype: str) -> tuple[tuple[str, str], ...]:
    items = entry.entries("values", required=False)
    if items and datatype not in LIST_DATATYPES:
        entry.fail(f"only list datatypes take values, not '{datatype}'", "values")
    if datatype in LIST_DATATYPES and not items:
        entry.fail(f"a {datatype} needs at least one value", "values")
    pairs = tuple((item.only("key", "name").require("key"), item.require("name"))
                  for item in items)
    if len({key for key, _ in pairs}) != len(pairs):
        entry.fail("duplicate value key", "values")
    return pairs
