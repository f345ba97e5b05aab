"""JSON responses, as the admin API and JSON protocols send them."""
import json

from werkzeug.wrappers import Response


def json_response(payload, status: int = 200) -> Response:
    """A JSON body with the right content type."""
    return Response(json.dumps(payload), status=status, mimetype="application/json")
