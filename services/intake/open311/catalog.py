"""The Open311 service catalog: services.yaml (deploy/jurisdictions/FORMAT.md) as dataclasses.

Texts residents read can be translated in the file itself: a service or an attribute may carry
`translations: {es: {<field>: <text>}}` for the fields in TRANSLATABLE (an attribute's `values` is a
map {value key: name}); a text without a translation stays in English. The catalog is built once
per offered language (`in_language`): codes and value keys are the same in every language.
"""
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from services.intake.open311.errors import Open311Error, quote
from shared.i18n import DEFAULT, LANGUAGES

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
TRANSLATABLE = {"service": ("service_name", "description", "group", "keywords"),
                "attribute": ("description", "datatype_description", "values")}


class CatalogError(ValueError):
    """services.yaml does not describe a valid catalog; `problems` lists every fault."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("invalid service catalog: " + "; ".join(self.problems))


@dataclass(frozen=True)
class AttributeValue:
    """One choice of a singlevaluelist / multivaluelist attribute."""

    key: str
    name: str


@dataclass(frozen=True)
class ServiceAttribute:
    """One extra form field of a service (a GeoReport v2 service definition attribute)."""

    code: str
    datatype: str
    required: bool
    variable: bool
    order: int
    description: str
    datatype_description: str | None
    values: tuple[AttributeValue, ...] = ()

    @property
    def keys(self):
        """The value keys a list attribute accepts."""
        return frozenset(value.key for value in self.values)


@dataclass(frozen=True)
class Service:
    """One request type residents can file."""

    service_code: str
    service_name: str
    description: str
    group: str | None
    keywords: tuple[str, ...]
    department: str | None
    type: str
    attributes: tuple[ServiceAttribute, ...]

    @property
    def metadata(self):
        """True when the service has attributes, so clients must fetch its definition."""
        return bool(self.attributes)


@dataclass(frozen=True)
class ServiceCatalog:
    """All services of the jurisdiction, in catalog order."""

    services: tuple[Service, ...]
    language: str = DEFAULT
    languages: dict = field(default_factory=dict, compare=False, repr=False)   # {language: ServiceCatalog}

    def in_language(self, language):
        """The same catalog with its texts in `language` where the file translates them (else English)."""
        return self.languages.get(language, self)

    def find(self, service_code):
        """The service with this code, or None."""
        return next((s for s in self.services if s.service_code == service_code), None)

    def require(self, service_code):
        """The service with this code; Open311Error 404 when there is none."""
        service = self.find(service_code)
        if service is None:
            raise Open311Error.not_found(f"service_code {quote(service_code)} not found")
        return service


def load_catalog_file(path):
    """Read a services.yaml file; raises CatalogError when it is not a valid catalog."""
    return load_catalog(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def load_catalog(data):
    """Build the catalog from parsed services.yaml; raises CatalogError listing every fault."""
    if not isinstance(data, dict) or not isinstance(data.get("services"), list):
        raise CatalogError(["the file must hold a 'services' list"])
    problems, services = [], []
    for index, entry in enumerate(data["services"]):
        try:
            services.append(_service(entry))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append(f"services[{index}]: {_reason(exc)}")
    codes = [s.service_code for s in services]
    problems += [f"service_code {c!r} appears more than once" for c in sorted(set(codes)) if codes.count(c) > 1]
    if problems:
        raise CatalogError(problems)
    translated = {language: ServiceCatalog(tuple(_service(entry, language) for entry in data["services"]), language)
                  for language in LANGUAGES if language != DEFAULT}
    return ServiceCatalog(tuple(services), DEFAULT, translated)


def _reason(exc):
    return f"missing {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)


def _service(entry, language=DEFAULT):
    """The service `entry` describes, its texts in `language` where it translates them."""
    service_type = entry.get("type", "realtime")
    if service_type != "realtime":
        raise ValueError(f"type {service_type!r} is not supported: intake answers every request in real time")
    texts = {**entry, **_translation(entry, "service", language)}
    keywords = texts.get("keywords") or ()
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    attributes = sorted((_attribute(a, language) for a in entry.get("attributes") or ()), key=lambda a: a.order)
    return Service(
        service_code=_text(entry["service_code"]),
        service_name=_text(texts["service_name"]),
        description=str(texts.get("description") or ""),
        group=texts.get("group"),
        keywords=tuple(str(k).strip() for k in keywords if str(k).strip()),
        department=entry.get("department"),
        type=service_type,
        attributes=tuple(attributes),
    )


def _attribute(entry, language=DEFAULT):
    datatype = entry.get("datatype", "string")
    if datatype not in DATATYPES:
        raise ValueError(f"attribute {entry.get('code')!r}: datatype {datatype!r} is not one of {', '.join(DATATYPES)}")
    values = tuple(AttributeValue(_text(v["key"]), str(v["name"])) for v in entry.get("values") or ())
    if (datatype in LIST_DATATYPES) != bool(values):
        raise ValueError(f"attribute {entry.get('code')!r}: values are required for list datatypes and only for them")
    translation = _translation(entry, "attribute", language, {v.key for v in values})
    names = {str(key): str(name) for key, name in (translation.get("values") or {}).items()}
    texts = {**entry, **translation}
    return ServiceAttribute(
        code=_text(entry["code"]),
        datatype=datatype,
        required=bool(entry.get("required", False)),
        variable=bool(entry.get("variable", True)),
        order=int(entry.get("order", 1)),
        description=str(texts.get("description") or ""),
        datatype_description=texts.get("datatype_description"),
        values=tuple(AttributeValue(v.key, names.get(v.key, v.name)) for v in values),
    )


def _translation(entry, kind, language, value_keys=frozenset()):
    """The entry's texts in `language` ({} for English), after checking its whole `translations` block:
    offered languages only, translatable fields only, no empty text, and only value keys it has."""
    translations = entry.get("translations") or {}
    where = f"{kind} {entry.get('service_code') or entry.get('code')!r}: translations"
    if not isinstance(translations, dict):
        raise ValueError(f"{where} must map a language code to its texts")
    for code, texts in translations.items():
        if code not in LANGUAGES or code == DEFAULT:
            raise ValueError(f"{where} into {code!r}: the languages offered are "
                             f"{', '.join(c for c in LANGUAGES if c != DEFAULT)}")
        if not isinstance(texts, dict) or set(texts) - set(TRANSLATABLE[kind]):
            raise ValueError(f"{where} into {code!r} may give only {', '.join(TRANSLATABLE[kind])}")
        values = texts.get("values", {})
        if not isinstance(values, dict) or set(map(str, values)) - set(value_keys):
            raise ValueError(f"{where} into {code!r}: values must map this attribute's value keys "
                             f"({', '.join(sorted(value_keys)) or 'none'}) to their names")
        if any(text in (None, "", []) for text in [*texts.values(), *values.values()]):
            raise ValueError(f"{where} into {code!r} leave a text empty")
    return translations.get(language, {}) if language != DEFAULT else {}


def _text(value):
    # YAML reads `key: 001` as the number 1; codes are strings on the wire.
    text = str(value).strip()
    if not text:
        raise ValueError("codes and names must not be empty")
    return text
