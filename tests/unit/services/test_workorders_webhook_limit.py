"""Workorders' webhook reads no body larger than a department system ever sends: 413, and nothing parsed."""
import json
from types import SimpleNamespace

from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder

from services.workorders.service import WorkOrdersService
from shared.internal_api import MAX_WEBHOOK_BYTES


def webhook_service(parsed):
    """The service with one system whose parser only records what it was given (and finds no changes)."""
    def parse_webhook(headers, body, now):
        parsed.append(body)
        return []
    system = SimpleNamespace(client=SimpleNamespace(parse_webhook=parse_webhook))
    return worker_factory(WorkOrdersService, systems={"codeenforcement": system})


def test_a_webhook_body_over_the_limit_is_refused_with_413_before_it_is_parsed():
    parsed = []
    service = webhook_service(parsed)
    huge = EnvironBuilder(method="POST", data=b"{" + b" " * MAX_WEBHOOK_BYTES + b"}",
                          content_type="application/json").get_request()
    status, _, body = service.legacy_webhook(huge, "codeenforcement")
    assert status == 413 and f"{MAX_WEBHOOK_BYTES:,} bytes" in json.loads(body)["error"]
    assert parsed == []


def test_a_chunked_webhook_body_over_the_limit_is_refused_too():
    parsed = []
    service = webhook_service(parsed)
    builder = EnvironBuilder(method="POST", content_type="application/json",
                             headers={"Transfer-Encoding": "chunked"})
    environ = builder.get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = __import__("io").BytesIO(b"x" * (MAX_WEBHOOK_BYTES + 10))
    status, _, _ = service.legacy_webhook(builder.request_class(environ), "codeenforcement")
    assert status == 413 and parsed == []


def test_a_webhook_body_within_the_limit_reaches_the_parser():
    parsed = []
    service = webhook_service(parsed)
    ok = EnvironBuilder(method="POST", data=b'{"events": []}', content_type="application/json").get_request()
    assert service.legacy_webhook(ok, "codeenforcement")[0] == 204
    assert parsed == [b'{"events": []}']
