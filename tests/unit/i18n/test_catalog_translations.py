"""The catalog translated in the jurisdiction's own services.yaml, and Open311 answering in the language asked."""
import json

import pytest
from werkzeug.datastructures import LanguageAccept, MultiDict

from services.intake.open311.catalog import CatalogError, load_catalog
from services.intake.open311.catalog_documents import service_definition_document, services_document
from services.intake.open311.documents import render_document
from services.intake.open311.errors import Open311Error
from services.intake.open311.locale import requested_language
from tests.unit.web.harness import sample_jurisdiction

SAMPLE = sample_jurisdiction().catalog


def entry(**changes):
    service = {"service_code": "POTHOLE", "service_name": "Pothole", "description": "A hole", "group": "Streets",
               "keywords": ["pothole"],
               "translations": {"es": {"service_name": "Bache", "keywords": ["bache"]}},
               "attributes": [{"code": "SIZE", "datatype": "singlevaluelist", "required": True, "order": 1,
                               "description": "How big?",
                               "values": [{"key": "small", "name": "Small"}, {"key": "large", "name": "Large"}],
                               "translations": {"es": {"description": "¿Qué tamaño?",
                                                       "values": {"small": "Pequeño"}}}}]}
    service.update(changes)
    return {"services": [service]}


def test_each_language_gets_its_texts_and_english_fills_what_is_not_translated():
    catalog = load_catalog(entry())
    spanish = catalog.in_language("es").require("POTHOLE")
    assert (spanish.service_name, spanish.description, spanish.keywords) == ("Bache", "A hole", ("bache",))
    [size] = spanish.attributes
    assert size.description == "¿Qué tamaño?"
    assert [(v.key, v.name) for v in size.values] == [("small", "Pequeño"), ("large", "Large")]
    assert catalog.require("POTHOLE").service_name == "Pothole"
    assert catalog.in_language("en") is catalog and catalog.in_language("fr") is catalog


@pytest.mark.parametrize("translations, says", [
    ({"fr": {"service_name": "Nid-de-poule"}}, "translations into 'fr': the languages offered are es"),
    ({"es": {"department": "X"}}, "translations into 'es' may give only service_name, description, group"),
    ({"es": {"service_name": ""}}, "translations into 'es' leave a text empty"),
    (["es", "Bache"], "translations must map a language code to its texts"),
])
def test_a_bad_service_translation_is_refused_saying_what_is_wrong(translations, says):
    with pytest.raises(CatalogError, match=says):
        load_catalog(entry(translations=translations))


@pytest.mark.parametrize("values, says", [
    ({"medium": "Mediano"}, r"values must map this attribute's value keys \(large, small\)"),
    ({True: "Sí"}, "values must map"),           # an unquoted yes: YAML's boolean, not the key "yes"
    ({"small": None}, "leave a text empty"),
])
def test_a_translated_value_must_be_one_the_attribute_has(values, says):
    data = entry()
    data["services"][0]["attributes"][0]["translations"]["es"]["values"] = values
    with pytest.raises(CatalogError, match=f"attribute 'SIZE': translations into 'es'.*{says}"):
        load_catalog(data)


def document(doc):
    return json.loads(render_document(doc, "json")[0])


def test_open311_answers_the_service_list_and_definitions_in_the_language_asked():
    spanish, english = SAMPLE.in_language("es"), SAMPLE
    listed = {s["service_code"]: s for s in document(services_document(spanish))}
    assert listed["POTHOLE"]["service_name"] == "Bache" and listed["POTHOLE"]["group"] == "Calles y aceras"
    assert "bache" in listed["POTHOLE"]["keywords"]
    definition = document(service_definition_document(spanish.require("POTHOLE")))
    size = next(a for a in definition["attributes"] if a["code"] == "SIZE")
    assert size["description"] == "¿Qué tamaño tiene el bache?"
    assert size["values"] == [{"key": "small", "name": "Más pequeño que un plato llano"},
                              {"key": "large", "name": "Más grande que un plato llano"}]
    assert document(services_document(english))[0]["service_name"] == "Pothole"


@pytest.mark.parametrize("params, header, language", [
    ({}, None, "en"), ({"locale": "es"}, None, "es"), ({"locale": "es-US"}, None, "es"),
    ({"locale": "es_MX"}, None, "es"), ({"locale": "fr"}, None, "en"), ({"locale": "en"}, [("es", 1)], "en"),
    ({}, [("es-MX", 1), ("en", 0.5)], "es"), ({}, [("de", 1)], "en"), ({"locale": " "}, [("es", 1)], "es"),
])
def test_locale_then_accept_language_choose_and_english_is_the_default(params, header, language):
    accept = LanguageAccept(header) if header is not None else None
    assert requested_language(MultiDict(params), accept) == language


@pytest.mark.parametrize("locale", ["español", "es;q=1", "1234", "es--MX", "e"])
def test_a_locale_that_is_no_language_tag_is_a_400_saying_what_to_send(locale):
    with pytest.raises(Open311Error) as caught:
        requested_language(MultiDict({"locale": locale}))
    assert caught.value.status == 400
    assert "is not a language tag; send one such as en, es or es-US" in caught.value.description
