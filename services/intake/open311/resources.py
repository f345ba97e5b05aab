"""Which resources exist under /open311/ and which HTTP methods each takes.

Anything else under /open311/ is answered in the Open311 error format too:
404 for a resource that does not exist, 405 (with the methods it does take)
for a method it does not accept, never the web server's HTML page.
"""
import re

from services.intake.open311.errors import Open311Error, quote

# (path under /open311/, methods besides OPTIONS and HEAD), first match wins.
_RESOURCES = (
    (re.compile(r"v2/requests\.[^/]*"), ("GET", "POST")),
    (re.compile(r"v2/.+"), ("GET",)),
    (re.compile(r"discovery\.[^/]*|openapi\.json"), ("GET",)),
)


def allowed_methods(path):
    """The methods the resource at /open311/{path} accepts, or () when there is no such resource."""
    return next((methods for pattern, methods in _RESOURCES if pattern.fullmatch(path)), ())


def check_method(path, method):
    """Raise Open311Error 404 when /open311/{path} does not exist, 405 when it does not take `method`."""
    allowed = allowed_methods(path)
    if not allowed:
        raise Open311Error.not_found(f"no such resource: {quote('/open311/' + path)}; the API is under /open311/v2/")
    if method not in allowed:
        raise Open311Error(405, 405, f"{method} is not allowed on {quote('/open311/' + path)}; "
                                     f"use {' or '.join(allowed)}")
