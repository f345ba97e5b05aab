"""The Open311 GeoReport v2 API of the running intake process, over real HTTP, in JSON and XML.

One system per module (and backend): the checks are grouped here so it starts once.
"""
from datetime import datetime, timedelta, timezone

import pytest

from tests.integration.open311.open311_http import (
    FORMATS, POTHOLE, V2, W3C_WITH_OFFSET, as_xml_text, call, errors, file, listed_ids, ok, public,
    raw, somewhere_new,
)
from tests.support.bus import BusTap
from tests.support.waiting import wait_until

DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order", "description",
                    "values"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}


@pytest.fixture(scope="module")
def tap(system):
    with BusTap(system.amqp_uri) as tap:
        yield tap


# -- 1. the standard, in both formats ------------------------------------------------------
@pytest.mark.parametrize("path", ["/open311/discovery", f"{V2}/discovery"])
def test_discovery_in_both_formats(system, path):
    found = ok(call(system, "GET", path, "json"), "json")
    assert set(found) == {"changeset", "contact", "key_service", "endpoints"}
    assert W3C_WITH_OFFSET.fullmatch(found["changeset"])
    [endpoint] = found["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == system.url("intake", f"{V2}/")
    assert endpoint["formats"] == ["text/xml", "application/json"] and endpoint["type"] == "test"  # a development system
    assert ok(call(system, "GET", path, "xml"), "xml") == as_xml_text(found)


def test_service_list_in_both_formats(system):
    services = ok(call(system, "GET", f"{V2}/services", "json"), "json")
    assert len(services) >= 25
    for service in services:
        assert set(service) == SERVICE_FIELDS, service
        assert service["type"] == "realtime" and isinstance(service["metadata"], bool)
        assert all(isinstance(service[f], str) for f in ("service_code", "service_name", "description", "keywords"))
        assert service["group"] and service["keywords"]
    assert len({s["group"] for s in services}) >= 6
    assert ok(call(system, "GET", f"{V2}/services", "xml"), "xml") == as_xml_text(services)


def test_service_definitions_in_both_formats_cover_every_datatype(system):
    services = ok(call(system, "GET", f"{V2}/services", "json"), "json")
    datatypes, required = set(), set()
    for service in services:
        definition = ok(call(system, "GET", f"{V2}/services/{service['service_code']}", "json"), "json")
        assert set(definition) == {"service_code", "attributes"} and definition["service_code"] == service["service_code"]
        assert service["metadata"] == bool(definition["attributes"])
        for attribute in definition["attributes"]:
            assert set(attribute) == ATTRIBUTE_FIELDS, attribute
            assert isinstance(attribute["variable"], bool) and isinstance(attribute["required"], bool)
            assert isinstance(attribute["order"], int) and not isinstance(attribute["order"], bool)
            assert all(set(v) == {"key", "name"} for v in attribute["values"])
            assert bool(attribute["values"]) == attribute["datatype"].endswith("valuelist")
            datatypes.add(attribute["datatype"])
            required.add(attribute["required"])
        orders = [a["order"] for a in definition["attributes"]]
        assert orders == sorted(orders)
        xml = ok(call(system, "GET", f"{V2}/services/{service['service_code']}", "xml"), "xml")
        assert xml == as_xml_text(definition)
    assert datatypes == DATATYPES and required == {True, False}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_post_is_answered_200_with_its_id_and_token_which_resolve(system, fmt):
    created = file(system, fmt)
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}
    assert created["service_request_id"] and created["token"] and created["account_id"] is None
    token = ok(call(system, "GET", f"{V2}/tokens/{created['token']}", fmt), fmt)
    assert token == [{"service_request_id": created["service_request_id"], "token": created["token"]}]
    record = public(system, created["service_request_id"], fmt)
    assert set(record) == REQUEST_FIELDS
    assert record["service_request_id"] == created["service_request_id"] and record["status"] == "open"
    if fmt == "json":
        assert isinstance(record["lat"], float) and isinstance(record["long"], float)
    for name in ("requested_datetime", "updated_datetime"):
        assert W3C_WITH_OFFSET.fullmatch(record[name]), record[name]


def test_get_requests_in_both_formats_say_the_same(system):
    sid = file(system)["service_request_id"]
    # The record changes as routing and the work order report back; compare once it has settled.
    closed = wait_until_public(system, sid, lambda r: r["status"] == "closed", "the request to close")
    assert as_xml_text(closed) == public(system, sid, "xml", extensions="true")
    listed = ok(call(system, "GET", f"{V2}/requests", "xml", params={"service_code": "POTHOLE"}), "xml")
    assert as_xml_text({k: v for k, v in closed.items() if k in REQUEST_FIELDS}) in listed
    assert isinstance(closed["extended_attributes"]["duplicate"], bool)


# -- 2. what real clients rely on ----------------------------------------------------------
@pytest.mark.parametrize("spelling", ["attribute[DAMAGE_TYPE][]", "attribute[DAMAGE_TYPE]"])
def test_multivalue_attributes_arrive_in_either_spelling(system, tap, spelling):
    form = [("api_key", "dev-web-key"), ("service_code", "SIDEWALK_DAMAGE"), ("attribute[TRIP_HAZARD]", "yes"),
            (spelling, "cracked"), (spelling, "tree_roots"), *somewhere_new().items()]
    response = call(system, "POST", f"{V2}/requests", "json", data=form)
    sid = ok(response, "json")[0]["service_request_id"]
    created = wait_for_event(tap, "RequestCreated", sid)
    assert sorted(created["data"]["attributes"]["DAMAGE_TYPE"]) == ["cracked", "tree_roots"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_long_descriptions_with_crlf_are_stored_whole(system, fmt):
    description = "Water pouring out of the meter box.\r\nSee photos:\r\n" + "https://example.org/p/x " * 250
    assert len(description) > 4000
    sid = file(system, fmt, description=description)["service_request_id"]
    assert public(system, sid, fmt)["description"] == description


@pytest.mark.parametrize("fmt", FORMATS)
def test_jurisdiction_id_missing_empty_or_ours_is_accepted_another_is_404(system, fmt):
    for jurisdiction in (None, "", "sample.city311.org", "SAMPLE.city311.org"):
        params = {} if jurisdiction is None else {"jurisdiction_id": jurisdiction}
        ok(call(system, "GET", f"{V2}/services", fmt, params=params), fmt)
        file(system, fmt, jurisdiction_id=jurisdiction)
    assert "jurisdiction_id 'elsewhere.gov' not found" in errors(
        call(system, "GET", f"{V2}/services", fmt, params={"jurisdiction_id": "elsewhere.gov"}), fmt, 404)
    assert "jurisdiction_id 'elsewhere.gov' not found" in errors(call(
        system, "POST", f"{V2}/requests", fmt, data={**POTHOLE, **somewhere_new(), "jurisdiction_id": "elsewhere.gov"}),
        fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_api_key_is_required_on_post_only(system, fmt):
    form = {**POTHOLE, **somewhere_new()}
    assert "api_key was not provided" in errors(
        call(system, "POST", f"{V2}/requests", fmt, data={k: v for k, v in form.items() if k != "api_key"}), fmt, 403)
    assert "invalid api_key" in errors(call(system, "POST", f"{V2}/requests", fmt, data={**form, "api_key": "nope"}),
                                       fmt, 403)
    ok(call(system, "GET", f"{V2}/requests", fmt), fmt)


def test_each_client_application_has_its_key_and_is_recorded_as_the_channel(system, tap):
    for key, application in (("fixmystreet-key", "fixmystreet"), ("dev-mobile-key", "city311-mobile")):
        sid = file(system, api_key=key)["service_request_id"]
        assert public(system, sid, extensions="true")["extended_attributes"]["channel"] == application
        data = wait_for_event(tap, "RequestCreated", sid)["data"]
        assert (data["channel"], data["client_application"], data["call_taker"]) == (application, application, None)


BIG = "x" * 2_100_000
BAD_POSTS = [
    ({"service_code": None}, 400, "service_code was not provided"),
    ({"service_code": "NO_SUCH_THING"}, 404, "service_code 'NO_SUCH_THING' not found"),
    ({"lat": None, "long": None}, 400, "a location is required"),
    ({"lat": "91"}, 400, "lat must be a number of degrees between -90 and 90"),
    ({"long": "-181"}, 400, "long must be a number of degrees between -180 and 180"),
    ({"lat": "north"}, 400, "lat must be a number"),
    ({"long": "NaN"}, 400, "long must be a number"),
    ({"attribute[SIZE]": None}, 400, "attribute[SIZE] is required"),
    ({"attribute[SIZE]": "enormous"}, 400, "attribute[SIZE] must be one of small, large; got 'enormous'"),
    ({"attribute[DEPTH_CM]": "deep"}, 400, "attribute[DEPTH_CM] must be a number"),
    ({"email": "not-an-address"}, 400, "email is not a valid email address"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url must be an http or https URL"),
    ({"description": BIG}, 400, "the request body is larger than 2,000,000 bytes"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("changes, status, says", BAD_POSTS, ids=[c[2][:40] for c in BAD_POSTS])
def test_bad_posts_get_the_right_error_in_the_requested_format(system, fmt, changes, status, says):
    form = {k: v for k, v in {**POTHOLE, **somewhere_new(), **changes}.items() if v is not None}
    assert says in errors(call(system, "POST", f"{V2}/requests", fmt, data=form), fmt, status)


BAD_CALLS = [
    ("POST", "/open311/v2/requests.{fmt}", b"api_key=dev-web-key&service_code=POTHOLE&lat=33.75&long=-84.39"
     b"&attribute[SIZE]=large&description=caf\xe9", 400, "not valid UTF-8"),
    ("POST", "/open311/v2/requests.{fmt}", b"api_key=dev-web-key&service_code=POTHOLE&lat=33.75&long=-84.39"
     b"&attribute[SIZE]=large&description=caf%E9", 400, "not valid UTF-8"),
    ("GET", "/open311/v2/requests.{fmt}?service_code=caf%E9", None, 400, "not valid UTF-8"),
    ("GET", "/open311/v2/requests.{fmt}?service_code=%00POTHOLE", None, 400, "NUL"),
    ("GET", "/open311/v2/requests/%FF%FE.{fmt}", None, 400, "not valid UTF-8"),
    ("GET", "/open311/v2/tokens/%00.{fmt}", None, 400, "control characters"),
    ("GET", "/open311/v2/requests.{fmt}?start_date=yesterday", None, 400, "start_date must be a W3C datetime"),
    ("GET", "/open311/v2/requests.{fmt}?end_date=2026-02-30T00:00:00Z", None, 400, "end_date must be a W3C"),
    ("GET", "/open311/v2/requests.{fmt}?updated_after=2026-01-01T25:00:00Z", None, 400, "updated_after must be"),
    ("GET", "/open311/v2/requests.{fmt}?start_date=2026-03-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", None, 400,
     "end_date must not be earlier than start_date"),
    ("GET", "/open311/v2/requests.{fmt}?start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z", None, 400,
     "spans 91 days; at most 90"),
    ("GET", "/open311/v2/requests.{fmt}?page_size=1001", None, 400, "page_size must be a whole number from 1 to 1,000"),
    ("GET", "/open311/v2/requests.{fmt}?page=0", None, 400, "page must be a whole number"),
    ("GET", "/open311/v2/requests.{fmt}?status=pending", None, 400, "status must be open and/or closed"),
    ("GET", "/open311/v2/requests.{fmt}?lat=33.7&long=-84.4&radius=50000", None, 400, "radius must be"),
    ("GET", "/open311/v2/requests.{fmt}?radius=100", None, 400, "radius needs lat and long"),
    ("GET", "/open311/v2/requests.{fmt}?lat=33.7", None, 400, "lat and long must be given together"),
    ("GET", "/open311/v2/requests.{fmt}?extensions=maybe", None, 400, "extensions must be true or false"),
    ("GET", "/open311/v2/requests/26-9999999.{fmt}", None, 404, "no service request 26-9999999"),
    ("GET", "/open311/v2/tokens/no-such-token.{fmt}", None, 404, "no such token"),
    ("GET", "/open311/v2/services/NO_SUCH_THING.{fmt}", None, 404, "service_code 'NO_SUCH_THING' not found"),
    ("GET", "/open311/v2/nothing-here.{fmt}", None, 404, "no such resource"),
    ("PUT", "/open311/v2/requests.{fmt}", None, 405, "PUT is not allowed"),
    ("DELETE", "/open311/v2/services.{fmt}", None, 405, "DELETE is not allowed"),
    ("POST", "/open311/v2/services.{fmt}", b"api_key=dev-web-key", 405, "POST is not allowed"),
    ("POST", "/open311/discovery.{fmt}", None, 405, "POST is not allowed"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("method, path, body, status, says", BAD_CALLS, ids=[f"{c[0]} {c[1]} {c[4]}"[:60] for c in BAD_CALLS])
def test_bad_calls_get_the_right_error_in_the_requested_format(system, fmt, method, path, body, status, says):
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    response = raw(system, method, path.format(fmt=fmt), body, headers)
    assert says in errors(response, fmt, status)
    if status == 405:
        assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/open311/v2/services.html", "/open311/v2/", "/open311/", "/open311/v2/services"])
def test_without_a_known_format_the_error_is_json_never_html(system, path):
    assert "end the path with .json or .xml" in errors(raw(system, "GET", path), "json", 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_chunked_post_is_read_and_still_bounded(system, fmt):
    form = "&".join(f"{k}={v}" for k, v in {**POTHOLE, **somewhere_new()}.items()).replace(" ", "+")
    chunked = call(system, "POST", f"{V2}/requests", fmt, data=iter([form.encode()]),
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert chunked.request.headers.get("Transfer-Encoding") == "chunked"
    assert ok(chunked, fmt)[0]["service_request_id"]
    big = (form + "&description=" + "x" * 2_100_000).encode()
    too_big = call(system, "POST", f"{V2}/requests", fmt, data=iter([big[i:i + 65536] for i in range(0, len(big), 65536)]),
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "larger than 2,000,000 bytes" in errors(too_big, fmt, 400)


def test_a_post_that_is_not_a_form_is_told_so(system):
    response = call(system, "POST", f"{V2}/requests", "json", json={**POTHOLE, **somewhere_new()})
    assert "send POST requests as application/x-www-form-urlencoded, not application/json" in errors(
        response, "json", 400)


def test_dates_are_read_liberally(system):
    sid = file(system)["service_request_id"]
    an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    local = an_hour_ago.astimezone(timezone(timedelta(hours=-5)))
    spellings = [
        an_hour_ago.strftime("%Y-%m-%dT%H:%M:%SZ"),
        an_hour_ago.strftime("%Y-%m-%dT%H:%M:%S.123456Z"),
        an_hour_ago.strftime("%Y-%m-%d %H:%M:%S") + "Z",           # a space for the T
        local.strftime("%Y-%m-%dT%H:%M:%S-05:00"),
        an_hour_ago.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        an_hour_ago.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        an_hour_ago.strftime("%Y-%m-%dT%H:%M:%S.5+00:00"),
    ]
    for spelling in spellings:
        assert sid in listed_ids(system, start_date=spelling), spelling
        assert sid in listed_ids(system, updated_after=spelling), spelling
    # A client that did not %-encode its offset: the + arrives as a space.
    unencoded = an_hour_ago.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    response = raw(system, "GET", f"{V2}/requests.json?start_date={unencoded}")
    assert sid in [r["service_request_id"] for r in ok(response, "json")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_several_ids_at_once(system, fmt):
    sids = [file(system)["service_request_id"] for _ in range(3)]
    asked = ",".join([sids[2], "26-9999998", sids[0], sids[1]])
    assert listed_ids(system, fmt, service_request_id=asked) == [sids[2], sids[0], sids[1]]


def test_get_requests_defaults_and_caps(system):
    sid = file(system)["service_request_id"]
    assert sid in listed_ids(system)                                   # default: the last 90 days
    long_ago = (datetime.now(timezone.utc) - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "start_date without end_date runs to now, more than the 90 days allowed" in errors(  # never a silent []
        call(system, "GET", f"{V2}/requests", "json", params={"start_date": long_ago}), "json", 400)
    assert sid in listed_ids(system, updated_after="2000-01-01T00:00:00Z")  # changed since then, up to now
    soon = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sid in listed_ids(system, end_date=soon)                    # end - 90 days
    assert len(listed_ids(system, page_size="1000")) <= 1000
    # service_request_id overrides every other filter
    assert listed_ids(system, service_request_id=sid, start_date=long_ago, status="closed") == [sid]


# -- 3. extensions ---------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_paging(system, fmt):
    code = "GRAFFITI"
    form = {"service_code": code, "attribute[SIZE]": None, "attribute[OFFENSIVE]": "no"}
    sids = [file(system, **form)["service_request_id"] for _ in range(3)]
    mine = [s for s in listed_ids(system, fmt, service_code=code) if s in sids]
    assert mine == sids[::-1]                                          # newest first
    pages = [listed_ids(system, fmt, service_code=code, page_size="2", page=str(p)) for p in (1, 2)]
    everything = listed_ids(system, fmt, service_code=code)
    assert pages[0] + pages[1] == everything[:4] and len(pages[0]) == 2
    assert listed_ids(system, fmt, service_code=code, page_size="2", page="1000") == []


def test_updated_after_and_before(system):
    before_filing = datetime.now(timezone.utc) - timedelta(seconds=2)
    sid = file(system)["service_request_id"]
    stamp = lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sid in listed_ids(system, updated_after=stamp(before_filing))
    assert sid not in listed_ids(system, updated_before=stamp(before_filing))
    assert sid not in listed_ids(system, updated_after=stamp(datetime.now(timezone.utc) + timedelta(minutes=5)))


@pytest.mark.parametrize("fmt", FORMATS)
def test_search_by_lat_long_radius(system, fmt):
    spot = {"lat": "33.8123", "long": "-84.3611"}
    sid = file(system, **spot)["service_request_id"]
    assert sid in listed_ids(system, fmt, **spot, radius="50")
    assert sid in listed_ids(system, fmt, lat="33.8130", long="-84.3611", radius="100")   # ~78 m away
    assert sid not in listed_ids(system, fmt, lat="33.8130", long="-84.3611", radius="50")
    assert sid not in listed_ids(system, fmt, lat="33.7000", long="-84.3611")             # default radius 1 km


@pytest.mark.parametrize("fmt", FORMATS)
def test_media_url_is_published(system, fmt):
    url = "https://photos.example.org/pothole/123.jpg?size=large"
    sid = file(system, fmt, media_url=url)["service_request_id"]
    assert public(system, sid, fmt)["media_url"] == url


def test_cors_headers_and_preflight(system):
    for response in (call(system, "GET", f"{V2}/services", "json"),
                     call(system, "POST", f"{V2}/requests", "json", data={**POTHOLE, **somewhere_new()}),
                     call(system, "GET", f"{V2}/requests/26-9999999", "xml"),
                     call(system, "GET", "/open311/openapi.json")):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = call(system, "OPTIONS", f"{V2}/requests", "json",
                     headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_jsonp(system):
    response = call(system, "GET", f"{V2}/services", "json", params={"callback": "app.handleServices"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/javascript; charset=utf-8"
    assert response.text.startswith("/**/app.handleServices([{") and response.text.endswith("]);")
    failed = call(system, "GET", f"{V2}/requests/26-9999999", "json", params={"callback": "cb"})
    assert failed.status_code == 404 and failed.text.startswith('/**/cb([{"code":404')
    unsafe = call(system, "GET", f"{V2}/services", "json", params={"callback": "alert(1)//"})
    assert "callback must be a JavaScript identifier" in errors(unsafe, "json", 400)


# -- 4. the public record, 6. channels -------------------------------------------------------
def test_the_public_record_follows_the_request_to_closure(system, tap):
    sid = file(system)["service_request_id"]
    closed = wait_until_public(system, sid, lambda r: r["status"] == "closed", "the request to close")
    assert closed["agency_responsible"] == "Public Works – Streets"
    assert closed["status_notes"].startswith("Closed: ")
    assert W3C_WITH_OFFSET.fullmatch(closed["expected_datetime"])
    requested = datetime.fromisoformat(closed["requested_datetime"])
    updated = datetime.fromisoformat(closed["updated_datetime"])
    assert requested <= updated <= datetime.now(timezone.utc)
    notes = closed["notes"]
    moments = [datetime.fromisoformat(n["datetime"]) for n in notes]
    assert moments == sorted(moments) and requested <= moments[0] and moments[-1] == updated
    descriptions = [n["description"] for n in notes]
    assert any(d.startswith("Routed to Public Works") for d in descriptions), descriptions
    assert descriptions[-1].startswith("Closed: ")
    assert all(set(n) == {"type", "description", "datetime"} for n in notes)
    extended = closed["extended_attributes"]
    assert extended["channel"] == "city311-web" and extended["district"]
    assert extended["duplicate"] is False and extended["parent_request_id"] is None
    changes = wait_for_events(tap, "RequestStatusChanged", sid, lambda e: e["data"]["status"] == "closed")
    assert {e["data"]["status"] for e in tap.of_type("RequestStatusChanged", sid)} == {"open", "closed"}
    assert changes


def test_a_duplicate_report_points_at_its_parent(system):
    spot = {"lat": "33.7712", "long": "-84.4201"}
    parent = file(system, **spot)["service_request_id"]
    wait_until_public(system, parent, lambda r: r["agency_responsible"], "the first report to be routed")
    child = file(system, **spot, description="Same hole, still there")["service_request_id"]
    record = wait_until_public(system, child, lambda r: r["extended_attributes"]["duplicate"], "duplicate detection")
    assert record["extended_attributes"]["parent_request_id"] == parent


@pytest.mark.parametrize("fmt", FORMATS)
def test_contact_details_never_leak(system, fmt):
    secrets = {"email": "ana.reporter@example.org", "phone": "404-555-0134", "first_name": "Anastasia",
               "last_name": "Quellington", "device_id": "device-7f3a9", "account_id": "account-99812"}
    created = file(system, fmt, **secrets)
    sid = created["service_request_id"]
    answers = [
        call(system, "GET", f"{V2}/requests/{sid}", fmt, params={"extensions": "true"}),
        call(system, "GET", f"{V2}/requests", fmt, params={"extensions": "true"}),
        call(system, "GET", f"{V2}/requests", fmt, params={"service_request_id": sid, "extensions": "true"}),
        call(system, "GET", f"{V2}/tokens/{created['token']}", fmt),
    ]
    for response in answers:
        ok(response, fmt)
        for value in (*secrets.values(), "4045550134", "reporter@"):
            assert value not in response.text


# -- helpers -----------------------------------------------------------------------------------
def wait_until_public(system, sid, condition, what, timeout=90):
    return wait_until(lambda: (r := public(system, sid, extensions="true")) and condition(r) and r, timeout,
                      0.3, what)


def wait_for_event(tap, event_type, sid):
    return wait_for_events(tap, event_type, sid)[0]


def wait_for_events(tap, event_type, sid, condition=lambda e: True, timeout=30):
    return wait_until(lambda: [e for e in tap.of_type(event_type, sid) if condition(e)], timeout, 0.1,
                      f"{event_type} for {sid}")
