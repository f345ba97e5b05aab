"""A real HTTP server on a local port, playing another service's API (a werkzeug app)."""
import contextlib
import threading

from werkzeug.serving import make_server


@contextlib.contextmanager
def serving(app, port=0):
    """Serve `app` on `port` (0: a free one) until the block ends; yields the base URL."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
