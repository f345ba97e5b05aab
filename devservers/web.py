"""What both development servers share: JSON replies, JSON bodies, and serving until SIGTERM/SIGINT."""
import argparse
import json
import logging
import os
import signal
import sys
import threading

from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import Map
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

log = logging.getLogger("devserver")


def json_response(data, status=200):
    return Response(json.dumps(data, indent=1), status=status, content_type="application/json")


def json_body(request):
    """The request's JSON object (form fields are accepted too); BadRequest naming what is wrong."""
    if request.mimetype != "application/json":
        return request.form.to_dict()
    try:
        body = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError as exc:
        raise BadRequest(f"body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


class RoutedApp:
    """A WSGI app whose werkzeug Rules name its methods; HTTP errors answer as JSON."""

    rules = ()

    def __init__(self):
        self.routes = Map(list(self.rules))

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, args = self.routes.bind_to_environ(environ).match()
            response = getattr(self, endpoint)(request, **args)
        except HTTPException as exc:
            response = json_response({"error": exc.name.lower().replace(" ", "_"), "message": exc.description},
                                     exc.code)
        return response(environ, start_response)

    def health(self, request):
        return json_response({"status": "ok"})


def read_faults(body, list_name, count_name):
    """(names, count, clear) from a `POST /api/faults` body; BadRequest naming what is wrong."""
    unknown = set(body) - {list_name, count_name, "clear"}
    if unknown:
        raise BadRequest(f"unknown fault(s) {sorted(unknown)} (known: {list_name}, {count_name}, clear)")
    names, count = body.get(list_name, []), body.get(count_name, 0)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise BadRequest(f"{list_name} must be a list of strings")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise BadRequest(f"{count_name} must be a whole number >= 0")
    return names, count, bool(body.get("clear"))


def argument_parser(prog, description):
    parser = argparse.ArgumentParser(prog=f"python -m devservers.{prog}", description=description)
    parser.add_argument("--host", default=os.environ.get("DEVSERVERS_HOST", "127.0.0.1"),
                        help="interface to listen on (DEVSERVERS_HOST)")
    return parser


def env_int(name, default):
    return int(os.environ.get(name, default))


def configure_logging(name):
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format=f"%(asctime)s {name} %(message)s")


def serve_until_signalled(app, host, port, on_stop=()):
    """Serve `app` over HTTP until SIGTERM or SIGINT, then call each of `on_stop`."""
    server = make_server(host, port, app, threaded=True, request_handler=_PlainRequestLog)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    log.info("HTTP on http://%s:%s", host, port)
    while not stopping.wait(0.5):
        pass
    server.shutdown()
    for stop in on_stop:
        stop()
    log.info("stopped")


class _PlainRequestLog(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        log.info("%s %s %s", self.command, self.path, code)
