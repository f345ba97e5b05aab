"""Who may call: the jurisdiction_id a client names and the api_key it presents."""
import hmac

from services.intake.open311.errors import Open311Error, quote
from services.intake.open311.params import single_value


def check_jurisdiction(params, jurisdiction_id):
    """Accept a missing or empty jurisdiction_id, or ours (case-insensitive).

    The spec lets a single-jurisdiction endpoint treat jurisdiction_id as
    optional. Any other value raises Open311Error 404.
    """
    given = single_value(params, "jurisdiction_id")
    if given is not None and given.lower() != jurisdiction_id.lower():
        raise Open311Error.not_found(
            f"jurisdiction_id {quote(given)} not found; this endpoint serves {quote(jurisdiction_id)}"
        )


def check_api_key(params, api_keys):
    """The application name registered for the request's api_key.

    `api_keys` is the `api_keys` list of jurisdiction.yaml
    (`[{key, application}]`). Raises Open311Error 403 when api_key is
    missing, or matches no key. Keys are compared in constant time.
    """
    given = single_value(params, "api_key")
    if given is None:
        raise Open311Error.forbidden("api_key was not provided; POST requests need one")
    application = None
    for entry in api_keys:
        if hmac.compare_digest(given.encode("utf-8"), str(entry["key"]).encode("utf-8")):
            application = entry["application"]
    if application is None:
        raise Open311Error.forbidden("invalid api_key received -- cannot proceed with create_request")
    return application
