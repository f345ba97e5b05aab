"""The boundary: from a document or an Open311Error to what HTTP sends, (status, body, content type).

The nameko shell calls `answer` once per request; every Open311Error raised
while building the document becomes the spec's error list, in the format the
client asked for, with the right status. Nothing else is caught: any other
exception is a bug and should surface as one.
"""
from typing import NamedTuple

from services.intake.open311.documents import Document, render_document
from services.intake.open311.errors import Open311Error, most_telling_status
from services.intake.open311.formats import check_jsonp_callback, check_path, split_format
from services.intake.open311.params import decode_params, single_value


class Response(NamedTuple):
    """What the HTTP shell sends back."""

    status: int
    body: bytes
    content_type: str


def answer(path, params, build):
    """Serve one Open311 call.

    `path` is the resource path with its format extension ("requests.json",
    "services/POTHOLE.xml"); `build(stem)` gets it without the extension
    ("requests", "services/POTHOLE") and returns a Document or raises
    Open311Error. A `callback` parameter turns JSON into JSONP.
    """
    try:
        stem, fmt = split_format(path)
    except Open311Error as exc:
        return error_response(exc, "json")
    try:
        callback = check_jsonp_callback(single_value(params, "callback")) if fmt == "json" else None
        check_path(stem)
        return Response(200, *render_document(build(stem), fmt, callback))
    except Open311Error as exc:
        return error_response(exc, fmt, params)


def answer_query(path, query_string, build):
    """`answer` for a raw query string, decoded strictly first (params.decode_params).

    A query that is not valid UTF-8 is a 400 in the format the path asks for.
    `build(stem, params)` also gets the decoded parameters.
    """
    try:
        params = decode_params(query_string)
    except Open311Error as exc:
        return answer(path, {}, lambda stem: _raise(exc))
    return answer(path, params, lambda stem: build(stem, params))


def _raise(error):
    raise error


def errors_document(errors):
    """`[{code, description}]` / `<errors><error>`."""
    return Document("errors", [{"code": e.code, "description": e.description} for e in errors])


def render_errors(errors, fmt, callback=None):
    """A Response listing `errors` (Open311Errors) in `fmt`, with the most telling status."""
    status = most_telling_status(e.status for e in errors)
    return Response(status, *render_document(errors_document(errors), fmt, callback))


def error_response(error, fmt="json", params=None):
    """The Response for an Open311Error (or group), as JSONP when the client gave a safe callback."""
    return render_errors(error.errors, fmt, _safe_callback(params) if fmt == "json" else None)


def _safe_callback(params):
    try:
        return check_jsonp_callback(single_value(params, "callback")) if params is not None else None
    except Open311Error:
        return None
