"""Case status changes from Code Enforcement: as its API lists them, and as its webhooks push them.

Both carry the same change object, read by ``read_change``, so a change that
arrives by webhook and again through the catch-up look-up has the same
change_id. A webhook delivery is trusted only if its HMAC-SHA256 signature
over ``<X-CE-Timestamp>.<raw body>`` matches the shared secret and its
timestamp is recent (which limits replays).
"""
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from functools import cache

from .base import StatusChange
from .config import load_system_config
from .vocabulary import SystemVocabulary

SYSTEM = "codeenforcement"
EVENT_TYPE = "case.status_changed"
DEFAULT_MAX_AGE_SECONDS = 300


class WebhookRejected(Exception):
    """A delivery we do not accept; ``reason`` says why, ``http_status`` is the answer to give."""

    http_status = 401

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class WebhookSignatureError(WebhookRejected):
    """No signature, one we cannot read, or one that does not match body, timestamp and secret (401)."""


class WebhookStaleError(WebhookRejected):
    """No readable timestamp, or one too far from now: possibly a replay (401)."""


class WebhookPayloadError(WebhookRejected):
    """Correctly signed, but not an event we can read (400; the system sends it again)."""

    http_status = 400


def verify_and_parse_webhook(headers: Mapping[str, str], raw_body: bytes, secret: str, now: datetime, *,
                             vocabulary: SystemVocabulary | None = None,
                             max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS) -> list[StatusChange]:
    """The status changes in one webhook delivery (none for events we do not track), oldest first.

    ``headers`` as received (any case), ``raw_body`` exactly as received,
    ``now`` timezone-aware. Raises WebhookSignatureError, WebhookStaleError or
    WebhookPayloadError (all WebhookRejected).
    """
    fields = {name.lower(): value.strip() for name, value in headers.items()}
    signature, timestamp = fields.get("x-ce-signature", ""), fields.get("x-ce-timestamp", "")
    if not signature.startswith("sha256="):
        raise WebhookSignatureError("missing or unreadable X-CE-Signature header (expected sha256=<hex>)")
    if not timestamp.isdigit():
        raise WebhookStaleError("missing or unreadable X-CE-Timestamp header (expected Unix seconds)")
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature.removeprefix("sha256=").lower(), expected):
        raise WebhookSignatureError("signature does not match the body, the timestamp and our secret")
    moment = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    age = moment.timestamp() - int(timestamp)
    if abs(age) > max_age_seconds:
        raise WebhookStaleError(f"timestamp is {age:.0f}s away from now; at most {max_age_seconds:.0f}s is accepted")
    vocabulary = vocabulary or default_vocabulary()
    try:
        event = json.loads(raw_body)
        if not isinstance(event, dict):
            raise ValueError("body is not a JSON object")
        if event.get("type") != EVENT_TYPE:
            return []
        change = read_change(vocabulary, event.get("data"))
    except ValueError as error:
        raise WebhookPayloadError(f"signed delivery is not a readable {EVENT_TYPE} event: {error}") from None
    return [change] if vocabulary.is_reported(change.legacy_status) else []


def read_change(vocabulary: SystemVocabulary, item) -> StatusChange:
    """One change object of the API or a webhook; ValueError when it is not a readable one."""
    if not isinstance(item, dict):
        raise ValueError("change is not an object")
    fields = [item.get(key) for key in ("case_id", "external_reference", "status", "changed_at")]
    if not all(isinstance(value, str) and value for value in fields):
        raise ValueError("change needs case_id, external_reference, status and changed_at")
    resolution = item.get("resolution_code")
    return vocabulary.status_change(*fields[:3], datetime.fromisoformat(fields[3]),
                                    resolution if isinstance(resolution, str) else None)


@cache
def default_vocabulary() -> SystemVocabulary:
    """Code Enforcement's vocabulary from deploy/workorder_systems/codeenforcement.yaml."""
    return SystemVocabulary.from_config(SYSTEM, load_system_config(SYSTEM))
