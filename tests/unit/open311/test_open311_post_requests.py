"""POST requests: every bad input gets the right status and a specific message, in both formats."""
import json
import xml.etree.ElementTree as ET

import pytest

from open311_calls import errors_of, post_request
from open311_samples import JURISDICTION_ID
from services.intake.open311.errors import Open311Error
from services.intake.open311.params import decode_params
from services.intake.open311.parsing import parse_new_request

FORMATS = ["json", "xml"]


def with_fields(form, **changes):
    """A copy of `form` with fields set (None removes one)."""
    changed = form.copy()
    for name, value in changes.items():
        changed.poplist(name)
        if value is not None:
            changed[name] = value
    return changed


def accepted_request(form, catalog):
    accepted = []
    response = post_request(form, catalog, accepted=accepted)
    assert response.status == 200, errors_of(response)
    return accepted[0][1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_valid_request_is_answered_with_its_id(pothole_form, catalog, fmt):
    response = post_request(pothole_form, catalog, fmt)
    assert response.status == 200
    if fmt == "json":
        assert json.loads(response.body) == [{
            "service_request_id": "SR-2026-000123",
            "token": "t-123",
            "service_notice": "Crews usually respond within 3 business days.",
            "account_id": None,
        }]
    else:
        root = ET.fromstring(response.body)
        assert root.tag == "service_requests"
        assert [c.tag for c in root[0]] == ["service_request_id", "token", "service_notice", "account_id"]
        assert root[0].findtext("service_request_id") == "SR-2026-000123"


CASES = [
    ({"service_code": None}, 400, "service_code was not provided"),
    ({"service_code": "  "}, 400, "service_code was not provided"),
    ({"service_code": "NOPE"}, 404, "service_code 'NOPE' not found"),
    ({"lat": None, "long": None}, 400, "a location is required: lat and long, address_string or address_id"),
    ({"long": None}, 400, "lat and long must be given together"),
    ({"lat": None}, 400, "lat and long must be given together"),
    ({"lat": "abc"}, 400, "lat must be a number of degrees between -90 and 90 (WGS84), got 'abc'"),
    ({"lat": "91"}, 400, "lat must be a number of degrees between -90 and 90 (WGS84), got '91'"),
    ({"lat": "nan"}, 400, "lat must be a number of degrees between -90 and 90 (WGS84), got 'nan'"),
    ({"long": "-180.5"}, 400, "long must be a number of degrees between -180 and 180 (WGS84), got '-180.5'"),
    ({"long": "1e999"}, 400, "long must be a number of degrees between -180 and 180 (WGS84), got '1e999'"),
    ({"long": "0x10"}, 400, "long must be a number of degrees between -180 and 180 (WGS84), got '0x10'"),
    ({"attribute[SIZE]": None}, 400,
     "attribute[SIZE] is required for service_code 'POTHOLE' (How big is the pothole?)"),
    ({"attribute[SIZE]": "huge"}, 400, "attribute[SIZE] must be one of small, large; got 'huge'"),
    ({"attribute[HAZARDS][]": "lava"}, 400, "attribute[HAZARDS] must be one of water, debris, lights; got 'lava'"),
    ({"attribute[DEPTH_CM]": "deep"}, 400, "attribute[DEPTH_CM] must be a number, got 'deep'"),
    ({"attribute[SEEN_AT]": "last week"}, 400,
     "attribute[SEEN_AT] must be a W3C datetime such as 2026-01-01T00:00:00Z or 2026-01-01T00:00:00-05:00, "
     "got 'last week'"),
    ({"email": "not-an-address"}, 400,
     "email is not a valid email address: An email address must have an @-sign. Expected something like name@example.org."),
    ({"phone": "call me"}, 400,
     "phone is not a valid phone number: it is not a phone number (expected e.g. (404) 555-0123 or +44 20 7946 0958)"),
    ({"phone": "+44 20 7946"}, 400,
     "phone is not a valid phone number: it has too few digits; a local number needs its area code (expected e.g. (404) 555-0123 or +44 20 7946 0958)"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url must be an http or https URL"),
    ({"jurisdiction_id": "other.city.gov"}, 404,
     "jurisdiction_id 'other.city.gov' not found; this endpoint serves 'sample.city311.org'"),
    ({"description": "x" * 100_001}, 400, "description is too long: 100,001 characters, at most 100,000"),
    ({"description": "broken\x00text"}, 400, "description contains control characters or bytes that are not valid UTF-8"),
    ({"address_string": "Main St \ufffd"}, 400,
     "address_string contains control characters or bytes that are not valid UTF-8"),
    ({"first_name": "x" * 201}, 400, "first_name is too long: 201 characters, at most 200"),
    ({"api_key": None}, 403, "api_key was not provided; POST requests need one"),
    ({"api_key": "stolen"}, 403, "invalid api_key received -- cannot proceed with create_request"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("changes, status, description", CASES, ids=[c[2][:50] for c in CASES])
def test_each_bad_input_is_refused_with_its_status_and_message(pothole_form, catalog, fmt, changes, status, description):
    response = post_request(with_fields(pothole_form, **changes), catalog, fmt)
    assert response.status == status
    assert errors_of(response) == [(status, description)]


def test_a_single_valued_parameter_given_twice_differently_is_refused(pothole_form, catalog):
    form = pothole_form.copy()
    form.add("service_code", "001")
    response = post_request(form, catalog)
    assert errors_of(response) == [(400, "service_code was given more than once with different values")]


def test_a_single_value_attribute_with_two_values_is_refused(pothole_form, catalog):
    form = pothole_form.copy()
    form.add("attribute[SIZE]", "small")
    assert errors_of(post_request(form, catalog)) == [(400, "attribute[SIZE] takes a single value, got 2")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_all_problems_are_reported_together(pothole_form, catalog, fmt):
    form = with_fields(pothole_form, lat=None, long=None, email="bad", phone="12", **{"attribute[SIZE]": "huge"})
    response = post_request(form, catalog, fmt)
    assert response.status == 400
    assert [d for _, d in errors_of(response)] == [
        "a location is required: lat and long, address_string or address_id",
        "email is not a valid email address: An email address must have an @-sign. Expected something like name@example.org.",
        "phone is not a valid phone number: it has too few digits (expected e.g. (404) 555-0123 or +44 20 7946 0958)",
        "attribute[SIZE] must be one of small, large; got 'huge'",
    ]


def test_a_not_found_among_bad_requests_makes_the_status_404(pothole_form, catalog):
    form = with_fields(pothole_form, service_code="NOPE", lat=None, long=None)
    response = post_request(form, catalog)
    assert response.status == 404
    assert errors_of(response) == [
        (404, "service_code 'NOPE' not found"),
        (400, "a location is required: lat and long, address_string or address_id"),
    ]


def test_a_bad_api_key_is_reported_before_anything_else(pothole_form, catalog):
    form = with_fields(pothole_form, api_key="wrong", service_code=None)
    assert post_request(form, catalog).status == 403


def test_the_api_key_names_the_application(pothole_form, catalog):
    accepted = []
    post_request(with_fields(pothole_form, api_key="mobile-key"), catalog, accepted=accepted)
    assert accepted[0][0] == "city311-mobile"


@pytest.mark.parametrize("given", [None, "", "sample.city311.org", "SAMPLE.city311.org"])
def test_our_jurisdiction_or_none_is_accepted(pothole_form, catalog, given):
    assert accepted_request(with_fields(pothole_form, jurisdiction_id=given), catalog).service_code == "POTHOLE"


@pytest.mark.parametrize("location", [{"address_string": "55 Trinity Ave SW"}, {"address_id": "A-1001"}])
def test_an_address_instead_of_coordinates_is_a_location(pothole_form, catalog, location):
    new = accepted_request(with_fields(pothole_form, lat=None, long=None, **location), catalog)
    assert (new.lat, new.long) == (None, None)
    assert new.address_string == location.get("address_string")
    assert new.address_id == location.get("address_id")


def test_accepted_fields_are_normalised(pothole_form, catalog):
    form = with_fields(pothole_form, email="Resident@Example.ORG", phone="(404) 555-0123",
                       first_name=" Ada ", media_url="https://img.example.org/p/1.jpg", device_id="")
    new = accepted_request(form, catalog)
    assert (new.lat, new.long) == (33.749, -84.388)
    assert new.email == "Resident@example.org"
    assert new.phone == "+14045550123"
    assert new.first_name == "Ada"
    assert new.device_id is None
    assert new.media_url == "https://img.example.org/p/1.jpg"
    assert new.attributes == {"SIZE": "large"}


def test_a_long_description_with_crlf_is_kept_whole(pothole_form, catalog):
    description = ("Line one of a long report.\r\n" * 200)[:5_000]
    assert len(description) == 5_000
    assert accepted_request(with_fields(pothole_form, description=description), catalog).description == description
    longest = "y" * 100_000
    assert accepted_request(with_fields(pothole_form, description=longest), catalog).description == longest


@pytest.mark.parametrize(
    "pairs",
    [
        [("attribute[HAZARDS][]", "water"), ("attribute[HAZARDS][]", "debris")],
        [("attribute[HAZARDS]", "water"), ("attribute[HAZARDS]", "debris")],
        [("attribute[HAZARDS]", "water"), ("attribute[HAZARDS][]", "debris")],
        [("attribute[HAZARDS][0]", "water"), ("attribute[HAZARDS][1]", "debris"), ("attribute[HAZARDS][]", "water")],
    ],
    ids=["brackets", "repeated", "mixed", "indexed"],
)
def test_multivalue_attributes_arrive_in_every_common_form(pothole_form, catalog, pairs):
    form = pothole_form.copy()
    for key, value in pairs:
        form.add(key, value)
    assert accepted_request(form, catalog).attributes["HAZARDS"] == ("water", "debris")


def test_attribute_values_are_checked_by_datatype(pothole_form, catalog):
    form = with_fields(pothole_form, **{
        "attribute[DEPTH_CM]": "12.5",
        "attribute[SEEN_AT]": "2026-03-01 08:30:00 05:00",
        "attribute[LANDMARK]": "Opposite the\r\nlibrary",
        "attribute[NOTES]": "First line\r\nSecond line",
        "attribute[INFO]": "ignored: not a variable attribute",
        "attribute[UNKNOWN]": "ignored: not in the definition",
    })
    assert accepted_request(form, catalog).attributes == {
        "SIZE": "large",
        "DEPTH_CM": "12.5",
        "SEEN_AT": "2026-03-01T03:30:00+00:00",
        "LANDMARK": "Opposite the library",
        "NOTES": "First line\r\nSecond line",
    }


def test_personal_values_are_never_repeated_in_error_messages(pothole_form, catalog):
    form = with_fields(pothole_form, email="secret@@example.org", phone="555-SECRET")
    body = post_request(form, catalog).body.decode()
    assert "secret" not in body.lower()


def test_form_bodies_that_are_not_utf8_are_refused():
    for raw in (b"service_code=POTHOLE&description=caf%E9", b"service_code=POTHOLE&description=caf\xe9"):
        with pytest.raises(Open311Error) as caught:
            decode_params(raw)
        assert (caught.value.status, caught.value.description) == (
            400, "the request is not valid UTF-8; GeoReport v2 requires UTF-8")


def test_form_bodies_decode_plus_and_percent_escapes():
    params = decode_params(b"description=Line+one%0D%0ALine+two&attribute%5BHAZARDS%5D%5B%5D=water&empty=")
    assert params["description"] == "Line one\r\nLine two"
    assert params.getlist("attribute[HAZARDS][]") == ["water"]
    assert params["empty"] == ""


def test_a_decoded_body_goes_through_the_whole_flow(catalog):
    raw = ("api_key=dev-web-key&service_code=POTHOLE&address_string=55+Trinity+Ave&attribute%5BSIZE%5D=small"
           "&description=Caf%C3%A9+corner%0D%0Anear+the+bus+stop").encode()
    accepted = []
    assert post_request(decode_params(raw), catalog, accepted=accepted).status == 200
    assert accepted[0][1].description == "Café corner\r\nnear the bus stop"


def test_a_plain_dict_of_parameters_works_too(catalog):
    params = {"service_code": "001", "address_string": "1 Main St", "attribute[SIZE]": ["ignored"]}
    new = parse_new_request(params, catalog, JURISDICTION_ID)
    assert (new.service_code, new.address_string, new.attributes) == ("001", "1 Main St", {})
