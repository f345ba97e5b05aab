"""What both development servers share: JSON replies, JSON bodies, and serving until SIGTERM/SIGINT."""
import argparse
import json
import logging
import os
import signal
import sys
import threading

from werkzeug.exceptions import BadRequest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

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
