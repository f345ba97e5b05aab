"""Pushes every case status change to the subscriber's webhook, signed with HMAC-SHA256.

Each change is POSTed as its own event. A delivery that fails (no answer, not
2xx) is tried again after a doubling delay, up to ``max_attempts``, then
dropped: the subscriber catches up through ``GET /api/v1/cases/changes``.
Retries wait in memory only, so a restart drops them the same way.
"""
import hashlib
import hmac
import json
import logging
import time
import uuid

import requests

from legacy_systems.common.change_feed import ChangeFeed
from legacy_systems.common.server import SimulatorContext
from legacy_systems.common.timestamps import to_iso, utc_now

from .cases import change_json

log = logging.getLogger("webhooks")

EVENT_NAMESPACE = uuid.UUID("8e0f5c52-3b7a-4a55-9a55-6c0d2c1e7b31")


def signature_headers(secret: str, body: bytes, timestamp: int, event_id: str) -> dict:
    """The headers of one delivery: the signature covers ``<timestamp>.<raw body>``."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-CE-Event-Id": event_id, "X-CE-Timestamp": str(timestamp),
            "X-CE-Signature": f"sha256={digest}", "User-Agent": "CodeEnforcement-Webhooks/2.1"}


class WebhookSender:
    """One sending run (called by a periodic task): new changes, then the retries that are due."""

    def __init__(self, context: SimulatorContext, url: str, secret: str):
        settings = context.config["webhook"]
        self._faults = context.faults
        self._url, self._secret = url, secret
        self._timeout, self._max_attempts = settings["timeout_seconds"], settings["max_attempts"]
        self._first_retry = settings["first_retry_seconds"][context.args.crew_speed]
        self._feed = ChangeFeed("webhooks", context.store, context.faults)
        self._retries: list[tuple[float, int, dict]] = []   # (due, attempts so far, change)
        self._session = requests.Session()

    def send(self) -> None:
        """Deliver what is new and what is due again; nothing while the system is down."""
        if self._faults.is_down():
            return
        self._feed.pass_on(self._first_attempts)
        now, waiting = time.monotonic(), self._retries
        self._retries = [retry for retry in waiting if retry[0] > now]
        for _, attempts, change in (retry for retry in waiting if retry[0] <= now):
            self._attempt(change, attempts)

    def _first_attempts(self, changes: list[dict]) -> None:
        for change in changes:
            self._attempt(change, 0)

    def _attempt(self, change: dict, attempts_before: int) -> None:
        attempts = attempts_before + 1
        if self._deliver(change):
            return
        if attempts >= self._max_attempts:
            log.warning("giving up on change %s of %s after %d attempts", change["history_id"], change["legacy_id"],
                        attempts)
            return
        self._retries.append((time.monotonic() + self._first_retry * 2 ** (attempts - 1), attempts, change))

    def _deliver(self, change: dict) -> bool:
        event_id = str(uuid.uuid5(EVENT_NAMESPACE, f"{change['legacy_id']}|{change['status']}|{change['at']}"))
        body = json.dumps({"id": event_id, "type": "case.status_changed", "created_at": to_iso(utc_now()),
                           "data": change_json(change)}).encode()
        if self._faults.malformed_fires():
            log.info("fault: webhook body cut short for change %s", change["history_id"])
            body = body[: len(body) // 2]
        headers = signature_headers(self._secret, body, int(time.time()), event_id)
        try:
            answer = self._session.post(self._url, data=body, headers=headers, timeout=self._timeout)
        except requests.RequestException as error:
            log.info("webhook for change %s not delivered: %s", change["history_id"], type(error).__name__)
            return False
        log.info("webhook for change %s (%s %s): HTTP %s", change["history_id"], change["legacy_id"],
                 change["status"], answer.status_code)
        return 200 <= answer.status_code < 300
