"""Residents' pages on 8313 may not be framed (clickjacking) and run nothing but what they are: no scripts."""
from tests.unit.notifications.test_web import body, request, service  # noqa: F401  (the service fixture)


def test_every_resident_page_forbids_framing_and_scripts(service):  # noqa: F811
    pages = [service.follow_page(request(path="/follow")),
             service.unsubscribe_page(request(path="/unsubscribe/not-a-token"), "not-a-token"),
             service.survey_page(request(path="/survey/not-a-token"), "not-a-token"),
             service.confirm_follow_page(request(path="/follow/confirm/nope"), "nope")]
    assert [p.status_code for p in pages] == [200, 404, 404, 404]
    for page in pages:
        assert page.headers.get("X-Frame-Options") == "DENY"
        assert page.headers.get("X-Content-Type-Options") == "nosniff"
        policy = dict(part.strip().split(" ", 1) for part in page.headers.get("Content-Security-Policy", "").split(";"))
        assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
        assert policy["form-action"] == "'self'" and "script-src" not in policy
