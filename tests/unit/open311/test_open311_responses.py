"""The boundary: formats from paths, JSONP, and every Open311Error rendered the spec's way."""
import json
import xml.etree.ElementTree as ET

import pytest
from werkzeug.datastructures import MultiDict

from open311_calls import errors_of
from services.intake.open311.catalog_documents import services_document
from services.intake.open311.errors import Open311Error, Open311ErrorGroup
from services.intake.open311.formats import check_jsonp_callback, format_from_path, split_format
from services.intake.open311.responses import answer, render_errors


@pytest.mark.parametrize(
    "path, stem, fmt",
    [("requests.json", "requests", "json"), ("services.xml", "services", "xml"),
     ("services/POTHOLE.JSON", "services/POTHOLE", "json"), ("requests/SR.2026.1.xml", "requests/SR.2026.1", "xml")],
)
def test_the_extension_names_the_format(path, stem, fmt):
    assert split_format(path) == (stem, fmt)
    assert format_from_path(path) == fmt


@pytest.mark.parametrize("path", ["requests", "requests.html", "requests.", "requests.json/extra", "services.yaml"])
def test_an_unknown_format_is_a_404_in_json(path):
    response = answer(path, MultiDict(), lambda stem: pytest.fail("must not build"))
    assert response.status == 404
    [(code, description)] = errors_of(response)
    assert code == 404
    assert description.startswith("unknown response format in ") and "end the path with .json or .xml" in description


def test_answer_renders_the_document_in_the_requested_format(catalog):
    json_response = answer("services.json", MultiDict(), lambda stem: services_document(catalog))
    assert (json_response.status, json_response.content_type) == (200, "application/json; charset=utf-8")
    assert json.loads(json_response.body)[0]["service_code"] == "POTHOLE"
    xml_response = answer("services.xml", MultiDict(), lambda stem: services_document(catalog))
    assert xml_response.content_type == "text/xml; charset=utf-8"
    assert ET.fromstring(xml_response.body).tag == "services"


def test_jsonp_wraps_json_only(catalog):
    response = answer("services.json", MultiDict({"callback": "app.handle_services"}), lambda s: services_document(catalog))
    assert response.content_type == "application/javascript; charset=utf-8"
    body = response.body.decode()
    assert body.startswith("/**/app.handle_services([") and body.endswith("]);")
    assert json.loads(body[len("/**/app.handle_services("):-2])[0]["service_code"] == "POTHOLE"
    xml_response = answer("services.xml", MultiDict({"callback": "cb"}), lambda s: services_document(catalog))
    assert xml_response.content_type == "text/xml; charset=utf-8"


@pytest.mark.parametrize("callback", ["alert(1)", "cb;evil()", "1abc", "a-b", "<script>", "a..b", "é", "x" * 129])
def test_an_unsafe_callback_is_a_plain_json_400(catalog, callback):
    response = answer("services.json", MultiDict({"callback": callback}), lambda s: services_document(catalog))
    assert response.status == 400
    assert errors_of(response)[0][1].startswith("callback must be a JavaScript identifier")
    with pytest.raises(Open311Error):
        check_jsonp_callback(callback)


def test_errors_are_wrapped_in_a_safe_callback_too():
    def build(stem):
        raise Open311Error.not_found("service_code 'X' not found")

    response = answer("services/X.json", MultiDict({"callback": "cb"}), build)
    assert response.status == 404
    assert response.body.decode() == '/**/cb([{"code":404,"description":"service_code \'X\' not found"}]);'


def test_jsonp_escapes_line_separators():
    def build(stem):
        raise Open311Error.bad_request("odd\u2028text")

    assert b"\\u2028" in answer("x.json", MultiDict({"callback": "cb"}), build).body


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_render_errors_lists_every_error_with_the_most_telling_status(fmt):
    errors = [Open311Error.bad_request("a location is required"), Open311Error.not_found("service_code 'X' not found")]
    response = render_errors(errors, fmt)
    assert response.status == 404
    assert errors_of(response) == [(400, "a location is required"), (404, "service_code 'X' not found")]
    assert render_errors([Open311Error.forbidden("no key"), *errors], fmt).status == 403


def test_error_xml_matches_the_spec_example():
    body = render_errors([Open311Error.forbidden("Invalid api_key received")], "xml").body.decode()
    assert body == (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<errors><error><code>403</code><description>Invalid api_key received</description></error></errors>"
    )


def test_a_group_behaves_like_one_error_with_all_problems():
    group = Open311ErrorGroup([Open311Error.bad_request("a"), Open311Error.bad_request("b")])
    assert (group.status, [e.description for e in group.errors]) == (400, ["a", "b"])
    def build(stem):
        raise group

    assert errors_of(answer("requests.xml", MultiDict(), build)) == [(400, "a"), (400, "b")]


def test_other_exceptions_are_not_swallowed():
    with pytest.raises(ZeroDivisionError):
        answer("requests.json", MultiDict(), lambda stem: 1 / 0)
