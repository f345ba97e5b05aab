"""Which format a client asked for (the path's extension) and whether its JSONP callback is safe."""
import re

from services.intake.open311.errors import Open311Error, quote

FORMATS = ("json", "xml")

# A dotted JavaScript identifier path such as `cb` or `jQuery123.handle`, nothing
# that could smuggle code into a JSONP response.
_SAFE_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*){0,4}", re.ASCII)
_MAX_CALLBACK_LENGTH = 128
# Control characters, and U+FFFD: where the web server decoded %-escapes that were not UTF-8.
_NOT_IN_PATHS = re.compile("[\x00-\x1f\x7f\ufffd]")


def split_format(path):
    """Split "requests/123.json" into ("requests/123", "json").

    The extension is case-insensitive. Raises Open311Error 404 when it is
    missing or not json/xml (render that error as JSON: the client named no
    format we speak).
    """
    stem, dot, extension = path.rpartition(".")
    fmt = extension.lower()
    if not dot or "/" in extension or fmt not in FORMATS:
        raise Open311Error.not_found(
            f"unknown response format in {quote(path)}: end the path with .json or .xml"
        )
    return stem, fmt


def check_path(stem):
    """Raise Open311Error 400 when a path (say, a service_request_id in it) is not clean UTF-8 text."""
    if _NOT_IN_PATHS.search(stem):
        raise Open311Error.bad_request(
            "the path contains control characters or %-escaped bytes that are not valid UTF-8"
        )


def format_from_path(path):
    """"json" or "xml" from a path like "services.xml"; Open311Error 404 otherwise."""
    return split_format(path)[1]


def check_jsonp_callback(callback):
    """Return the callback name if it is a safe JavaScript identifier path, else None if absent.

    Raises Open311Error 400 for anything else.
    """
    if callback is None or callback == "":
        return None
    if len(callback) > _MAX_CALLBACK_LENGTH or not _SAFE_CALLBACK.fullmatch(callback):
        raise Open311Error.bad_request(
            "callback must be a JavaScript identifier such as 'handleServices' "
            f"(letters, digits, _ and $, dotted; at most {_MAX_CALLBACK_LENGTH} characters)"
        )
    return callback

