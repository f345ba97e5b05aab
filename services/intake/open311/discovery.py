"""The Open311 service discovery document (served at /open311/discovery.{format})."""
from services.intake.open311.dates import format_w3c_datetime
from services.intake.open311.documents import Document

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
ENDPOINT_TYPES = ("production", "test")


def discovery_document(endpoint_url, changeset, contact, key_service, endpoint_type="production"):
    """Discovery: `{changeset, contact, key_service, endpoints: [{specification, url, ...}]}`.

    `changeset` is when the service list or definitions last changed (a
    datetime, written W3C in UTC); `endpoint_type` is "production" or "test"
    (whether requests filed there will be acted upon). Raises ValueError for
    any other endpoint type.
    """
    if endpoint_type not in ENDPOINT_TYPES:
        raise ValueError(f"endpoint_type must be production or test, not {endpoint_type!r}")
    changed = format_w3c_datetime(changeset)
    endpoint = {
        "specification": SPECIFICATION,
        "url": endpoint_url,
        "changeset": changed,
        "type": endpoint_type,
        "formats": ["text/xml", "application/json"],
    }
    return Document(
        "discovery",
        {"changeset": changed, "contact": contact, "key_service": key_service, "endpoints": [endpoint]},
    )
