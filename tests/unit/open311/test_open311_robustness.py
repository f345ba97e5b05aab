"""Whatever a client sends, the answer is a result or an Open311Error: never a crash (a 500)."""
from hypothesis import given, settings, strategies as st
from werkzeug.datastructures import MultiDict

from open311_calls import errors_of, post_request
from open311_samples import JURISDICTION_ID, NOW
from services.intake.open311.errors import Open311Error
from services.intake.open311.params import decode_params
from services.intake.open311.parsing import NewServiceRequest, parse_new_request
from services.intake.open311.queries import RequestQuery, parse_request_query

FIELD_NAMES = [
    "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id", "email", "device_id",
    "account_id", "first_name", "last_name", "phone", "description", "media_url", "attribute[SIZE]",
    "attribute[HAZARDS][]", "attribute[HAZARDS]", "attribute[DEPTH_CM]", "attribute[SEEN_AT]",
    "attribute[LANDMARK]", "attribute[NOTES]", "attribute[]", "attribute", "service_request_id", "status",
    "start_date", "end_date", "updated_after", "updated_before", "page", "page_size", "radius", "extensions",
    "callback", "api_key",
]
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["POTHOLE", "001", "small", "large", "water", "33.7", "-84.4", "91", "nan", "1e999",
                     "2026-01-01T10:00:00Z", "2026-01-01 10:00:00 05:00", "true", "0", "1001", "open,closed",
                     "dev-web-key", JURISDICTION_ID, "a@example.org", "(404) 555-0123", "http://x.org/p.jpg"]),
)
FORMS = st.lists(st.tuples(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12)), VALUES), max_size=12)


@settings(max_examples=300, deadline=None)
@given(pairs=FORMS)
def test_post_forms_are_accepted_or_refused_never_crash(pairs, catalog):
    try:
        assert isinstance(parse_new_request(MultiDict(pairs), catalog, JURISDICTION_ID), NewServiceRequest)
    except Open311Error as exc:
        assert exc.status in (400, 404) and exc.errors


@settings(max_examples=300, deadline=None)
@given(pairs=FORMS)
def test_request_queries_are_accepted_or_refused_never_crash(pairs):
    try:
        assert isinstance(parse_request_query(MultiDict(pairs), NOW), RequestQuery)
    except Open311Error as exc:
        assert exc.status == 400 and exc.errors


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=80), fmt=st.sampled_from(["json", "xml"]))
def test_raw_bodies_always_get_a_well_formed_answer(raw, fmt, catalog):
    try:
        params = decode_params(b"api_key=dev-web-key&" + raw)
    except Open311Error as exc:
        assert exc.status == 400
        return
    response = post_request(params, catalog, fmt)
    assert response.status == 200 or errors_of(response)
