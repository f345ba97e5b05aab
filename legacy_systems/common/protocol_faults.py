"""Wraps a protocol's WSGI app so injected faults reach the wire as real failures.

down -> HTTP 503 before the protocol sees the request; slow -> a pause before
answering; error -> the protocol's own server-error reply; malformed -> the
protocol's reply cut off halfway (truncated JSON, broken XML).
"""
import logging
from typing import Callable

from werkzeug.wrappers import Request, Response

from .faults import FaultInjector

log = logging.getLogger("faults")


class FaultyProtocol:
    """WSGI middleware applying the current faults to every protocol request."""

    def __init__(self, app, faults: FaultInjector, error_response: Callable[[], Response]):
        self._app = app
        self._faults = faults
        self._error_response = error_response

    def __call__(self, environ, start_response):
        path = Request(environ).path
        if self._faults.is_down():
            log.info("fault: down, refusing %s", path)
            unavailable = Response("Service Unavailable", status=503, headers={"Retry-After": "5"})
            return unavailable(environ, start_response)
        self._faults.delay()
        if self._faults.error_fires():
            log.info("fault: server error on %s", path)
            return self._error_response()(environ, start_response)
        response = Response.from_app(self._app, environ, buffered=True)
        if self._faults.malformed_fires():
            log.info("fault: malformed reply on %s", path)
            body = response.get_data()
            response.set_data(body[: len(body) // 2])
        return response(environ, start_response)
