"""What lies under /open311/ and which methods it takes; raw query strings and paths read strictly."""
import json

import pytest

from open311_calls import errors_of
from services.intake.open311.catalog_documents import services_document
from services.intake.open311.errors import Open311Error
from services.intake.open311.params import decode_params
from services.intake.open311.resources import allowed_methods, check_method
from services.intake.open311.responses import answer_query


@pytest.mark.parametrize("path, methods", [
    ("v2/requests.json", ("GET", "POST")), ("v2/requests.xml", ("GET", "POST")),
    ("v2/services.json", ("GET",)), ("v2/requests/26-0000001.json", ("GET",)), ("v2/tokens/abc.xml", ("GET",)),
    ("discovery.json", ("GET",)), ("openapi.json", ("GET",)),
    ("v2/", ()), ("v2", ()), ("", ()), ("admin.json", ()), ("discovery.json/x", ()),
])
def test_each_resource_takes_its_methods(path, methods):
    assert allowed_methods(path) == methods


def test_a_missing_resource_is_404_and_a_wrong_method_405():
    check_method("v2/requests.json", "POST")
    with pytest.raises(Open311Error) as missing:
        check_method("v3/requests.json", "GET")
    assert (missing.value.status, missing.value.description) == (
        404, "no such resource: '/open311/v3/requests.json'; the API is under /open311/v2/")
    with pytest.raises(Open311Error) as wrong:
        check_method("v2/services.json", "DELETE")
    assert (wrong.value.status, wrong.value.description) == (
        405, "DELETE is not allowed on '/open311/v2/services.json'; use GET")


def test_a_nul_in_any_parameter_is_refused():
    with pytest.raises(Open311Error, match="must not contain NUL"):
        decode_params(b"service_code=%00POTHOLE")
    with pytest.raises(Open311Error, match="must not contain NUL"):
        decode_params(b"a%00b=1")


def test_answer_query_decodes_strictly_and_answers_in_the_paths_format(catalog):
    built = []
    response = answer_query("services.json", b"jurisdiction_id=x&callback=cb",
                            lambda stem, params: built.append(params) or services_document(catalog))
    assert response.status == 200 and response.body.startswith(b"/**/cb([")
    assert built[0]["jurisdiction_id"] == "x"
    broken = answer_query("services.xml", b"service_code=caf%E9", lambda stem, params: pytest.fail("built"))
    assert errors_of(broken) == [(400, "the request is not valid UTF-8; GeoReport v2 requires UTF-8")]
    assert broken.content_type.startswith("text/xml")


@pytest.mark.parametrize("path", ["requests/\ufffd.json", "tokens/\x00.json", "requests/a\nb.xml"])
def test_a_path_with_control_characters_or_broken_utf8_is_a_400(path):
    response = answer_query(path, b"", lambda stem, params: pytest.fail("built"))
    [(code, description)] = errors_of(response)
    assert code == 400 and "not valid UTF-8" in description


def test_a_405_error_is_rendered_like_any_other():
    response = answer_query("services.json", b"", lambda stem, params: check_method("v2/services.json", "PUT"))
    assert response.status == 405
    assert json.loads(response.body) == [{"code": 405, "description":
                                          "PUT is not allowed on '/open311/v2/services.json'; use GET"}]
