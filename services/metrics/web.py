"""The dashboard's files: our own pages and scripts under web/static, and browser libraries from npm.

The libraries are installed at build time with `npm ci` in services/metrics/web
and served from this origin: the dashboard loads nothing from the internet.
Only the files named here are served, so no path a browser sends reaches
elsewhere on the disk.
"""
from pathlib import Path

WEB = Path(__file__).resolve().parent / "web"
STATIC = WEB / "static"
VENDOR = {"chart.umd.min.js": WEB / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"}
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


# The dashboard's files: never framed, scripts and styles from this origin only (chart.js is served here).
HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                      "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
           "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


class Missing(LookupError):
    """No such file, or a library that `npm ci` has not installed; the message says which."""


def static_file(name):
    """(bytes, content type) of web/static/<name>; only plain names of files that exist."""
    path = STATIC / name
    if "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        raise Missing(f"no static file {name!r}")
    return path.read_bytes(), _content_type(path)


def vendor_file(name):
    """(bytes, content type) of a browser library installed from npm."""
    if name not in VENDOR:
        raise Missing(f"no library {name!r}")
    if not VENDOR[name].is_file():
        raise Missing(f"{name} is not installed: run `npm ci` in {WEB}")
    return VENDOR[name].read_bytes(), _content_type(VENDOR[name])


def _content_type(path):
    return CONTENT_TYPES.get(path.suffix, "application/octet-stream")
