"""The service catalog: loading services.yaml, GET services and GET service definition."""
import json
import xml.etree.ElementTree as ET

import pytest

from services.intake.open311.catalog import CatalogError, load_catalog
from services.intake.open311.catalog_documents import service_definition_document, services_document
from services.intake.open311.documents import render_document
from services.intake.open311.errors import Open311Error


def rendered(document, fmt):
    body, content_type = render_document(document, fmt)
    if fmt == "json":
        assert content_type == "application/json; charset=utf-8"
        return json.loads(body)
    assert content_type == "text/xml; charset=utf-8"
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(body)


def test_catalog_loads_services_in_order_with_attributes_sorted(catalog):
    assert [s.service_code for s in catalog.services] == ["POTHOLE", "001"]
    pothole = catalog.require("POTHOLE")
    assert [a.order for a in pothole.attributes] == [1, 2, 3, 4, 5, 6, 7]
    assert pothole.metadata is True
    assert catalog.require("001").metadata is False
    assert catalog.require("001").keywords == ("trash", "garbage")


def test_unknown_service_code_is_a_404(catalog):
    with pytest.raises(Open311Error) as caught:
        catalog.require("NOPE")
    assert (caught.value.status, caught.value.description) == (404, "service_code 'NOPE' not found")
    assert catalog.find("NOPE") is None


def test_services_list_json_follows_the_spec(catalog):
    services = rendered(services_document(catalog), "json")
    assert services[0] == {
        "service_code": "POTHOLE",
        "service_name": "Pothole",
        "description": "A hole or depression in a city street.",
        "metadata": True,
        "type": "realtime",
        "keywords": "pothole, hole, road",
        "group": "Streets & Sidewalks",
    }
    assert services[1]["service_code"] == "001"
    assert services[1]["metadata"] is False


def test_services_list_xml_follows_the_spec(catalog):
    root = rendered(services_document(catalog), "xml")
    assert root.tag == "services"
    assert [child.tag for child in root] == ["service", "service"]
    first = root[0]
    assert [child.tag for child in first] == [
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
    assert first.findtext("metadata") == "true"
    assert first.findtext("group") == "Streets & Sidewalks"
    assert root[1].findtext("service_code") == "001"
    assert root[1].findtext("metadata") == "false"


def test_service_definition_json(catalog):
    definition = rendered(service_definition_document(catalog.require("POTHOLE")), "json")
    assert definition["service_code"] == "POTHOLE"
    size = definition["attributes"][0]
    assert size == {
        "variable": True,
        "code": "SIZE",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "How big is the pothole?",
        "values": [
            {"key": "small", "name": "Smaller than a dinner plate"},
            {"key": "large", "name": "Larger than a dinner plate"},
        ],
    }
    assert definition["attributes"][2]["values"] == []
    assert definition["attributes"][6]["variable"] is False


def test_service_definition_xml(catalog):
    root = rendered(service_definition_document(catalog.require("POTHOLE")), "xml")
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "POTHOLE"
    attributes = root.find("attributes")
    assert [a.tag for a in attributes] == ["attribute"] * 7
    size = attributes[0]
    assert [c.tag for c in size] == [
        "variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"]
    assert size.find("datatype_description").text is None  # empty element, as in the spec
    assert size.findtext("order") == "1"
    assert [(v.findtext("key"), v.findtext("name")) for v in size.find("values")] == [
        ("small", "Smaller than a dinner plate"), ("large", "Larger than a dinner plate")]


def test_definition_of_a_service_without_attributes_is_empty(catalog):
    assert rendered(service_definition_document(catalog.require("001")), "json") == {
        "service_code": "001", "attributes": []}
    assert rendered(service_definition_document(catalog.require("001")), "xml").find("attributes") is not None


def test_codes_read_as_numbers_by_yaml_become_strings():
    catalog = load_catalog({"services": [{"service_code": 42, "service_name": "Numbered", "attributes": [
        {"code": 7, "datatype": "singlevaluelist", "values": [{"key": 123, "name": "Ford"}]}]}]})
    service = catalog.require("42")
    assert service.attributes[0].code == "7"
    assert service.attributes[0].keys == {"123"}


@pytest.mark.parametrize(
    "data, fault",
    [
        (None, "'services' list"),
        ({"services": "POTHOLE"}, "'services' list"),
        ({"services": [{"service_name": "No code"}]}, "missing 'service_code'"),
        ({"services": [{"service_code": "A", "service_name": "A", "type": "batch"}]}, "type 'batch' is not supported"),
        ({"services": [{"service_code": "A", "service_name": "A", "attributes": [
            {"code": "X", "datatype": "colour"}]}]}, "datatype 'colour'"),
        ({"services": [{"service_code": "A", "service_name": "A", "attributes": [
            {"code": "X", "datatype": "singlevaluelist"}]}]}, "values are required"),
        ({"services": [{"service_code": "A", "service_name": "A"},
                       {"service_code": "A", "service_name": "Again"}]}, "'A' appears more than once"),
    ],
)
def test_invalid_catalogs_are_refused_with_the_reason(data, fault):
    with pytest.raises(CatalogError) as caught:
        load_catalog(data)
    assert fault in str(caught.value)


def test_every_catalog_fault_is_reported_at_once():
    with pytest.raises(CatalogError) as caught:
        load_catalog({"services": [{"service_name": "No code"}, {"service_code": "B"}]})
    assert len(caught.value.problems) == 2
