"""Access log lines keep the path and the status but no address, phone number or API key from the URL."""
import io
import json
import logging

import pytest
from eventlet.wsgi import DEFAULT_LOG_FORMAT

from shared.structured_logging import configure


@pytest.fixture
def log_lines():
    """The JSON lines a configured service writes, for what eventlet's server logs through nameko's logger."""
    root, saved = logging.getLogger(), (logging.getLogger().handlers[:], logging.getLogger().level)
    out = io.StringIO()
    configure("intake", stream=out)

    def access(request_line):
        logging.getLogger("nameko.web.server").info(DEFAULT_LOG_FORMAT % {
            "client_ip": "203.0.113.9", "date_time": "07/Dec/2026 06:40:00", "request_line": request_line,
            "status_code": 200, "body_length": 512, "wall_seconds": 0.012})
        return json.loads(out.getvalue().splitlines()[-1])["event"]
    yield access
    root.handlers[:], _ = saved[0], root.setLevel(saved[1])


@pytest.mark.parametrize("query, personal", [
    ("q=ana.lopez%40example.org", "ana.lopez"),
    ("q=ana.lopez@example.org&page=2", "ana.lopez"),
    ("q=%2B1+404-555-0134", "555"),
    ("q=(404)%20555-0134", "555"),
    ("phone=4045550134", "4045550134"),
    ("email=x%40y.example", "y.example"),
])
def test_a_console_look_up_by_email_or_phone_leaves_no_trace_of_them(log_lines, query, personal):
    line = log_lines(f"GET /console/lookup?{query} HTTP/1.1")
    assert personal not in line
    assert line.startswith('203.0.113.9 - - [07/Dec/2026 06:40:00] "GET /console/lookup?')
    assert "[redacted]" in line and line.endswith("HTTP/1.1\" 200 512 0.012000")


def test_api_keys_in_a_query_string_are_redacted_and_the_rest_kept(log_lines):
    line = log_lines("GET /open311/v2/requests.json?api_key=city-app-secret-key&status=open HTTP/1.1")
    assert "city-app-secret-key" not in line
    assert "/open311/v2/requests.json?api_key=[redacted]&status=open HTTP/1.1" in line


def test_tracking_numbers_and_plain_paths_are_kept(log_lines):
    assert "/console/lookup?q=26-0000123 HTTP/1.1" in log_lines("GET /console/lookup?q=26-0000123 HTTP/1.1")
    assert '"GET /track/26-0000123 HTTP/1.1" 200' in log_lines("GET /track/26-0000123 HTTP/1.1")
