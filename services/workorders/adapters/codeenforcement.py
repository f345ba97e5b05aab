"""Code Enforcement: a REST/JSON case API behind OAuth2 client-credentials tokens, with signed webhooks.

Status changes are pushed to our webhook (parse_webhook, see
codeenforcement_events); fetch_changes() is the catch-up look-up for the ones
a webhook missed, polling ``GET /api/v1/cases/changes?since=`` with windows
that overlap by ``overlap_seconds``. Both give the same change the same id.
"""
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import quote

import requests

from .base import LegacyWorkOrder, PermanentError, StatusChange, TransientError, WorkOrderRequest
from .codeenforcement_events import read_change, verify_and_parse_webhook
from .cursors import next_since, since_time
from .http_transport import HttpTransport
from .oauth_session import ClientCredentialsSession
from .vocabulary import SystemVocabulary

log = logging.getLogger(__name__)

MAX_DESCRIPTION, MAX_ADDRESS = 4000, 200  # longer text the API refuses


def from_config(system: str, config: dict) -> "CodeEnforcementClient":
    """Build from the merged ``deploy/workorder_systems/<system>.yaml`` configuration."""
    transport = HttpTransport(system, config["url"], float(config["timeout_seconds"]))
    session = ClientCredentialsSession(system, transport, config["token_path"], config["client_id"],
                                       config["client_secret"])
    return CodeEnforcementClient(system, session, SystemVocabulary.from_config(system, config), config)


class CodeEnforcementClient:
    """WorkOrderSystemClient for the Code Enforcement case API."""

    def __init__(self, name: str, session: ClientCredentialsSession, vocabulary: SystemVocabulary, config: dict):
        self.name = name
        self._session = session
        self._vocabulary = vocabulary
        self._overlap = timedelta(seconds=float(config["overlap_seconds"]))
        self._lookback = timedelta(seconds=float(config["initial_lookback_seconds"]))
        self._webhook_secret = config["webhook_secret"]
        self._webhook_max_age = float(config["webhook_max_age_seconds"])

    def find_by_reference(self, external_reference: str) -> LegacyWorkOrder | None:
        """The oldest case carrying our reference."""
        cases = self._answer(self._session.request("GET", "/api/v1/cases",
                                                   params={"external_reference": external_reference})).get("cases")
        if not isinstance(cases, list):
            raise TransientError(self.name, "GET /api/v1/cases: malformed reply (no cases list)")
        return self._case(cases[0]) if cases else None

    def create(self, request: WorkOrderRequest) -> LegacyWorkOrder:
        """POST a case; a 409 for our reference means an earlier attempt got through: that case is ours."""
        body = {"external_reference": request.service_request_id,
                "case_type": self._vocabulary.category_for(request.service_code),
                "priority": self._vocabulary.priority_for(request.priority),
                "description": request.description[:MAX_DESCRIPTION],
                "location": {"address": request.address and request.address[:MAX_ADDRESS], "latitude": request.lat,
                             "longitude": request.long}}
        response = self._session.request("POST", "/api/v1/cases", json=body)
        if response.status_code == 409:
            log.info("%s: %s already has a case; using it", self.name, request.service_request_id)
            found = self.find_by_reference(request.service_request_id)
            if found is None:
                raise TransientError(self.name, "409 for our reference, yet no case carries it; will look again")
            return found
        return self._case(self._answer(response))

    def cancel(self, legacy_id: str, reason: str) -> bool:
        """Withdraw a case; PermanentError when the system refuses (unknown or already closed)."""
        self._answer(self._session.request("POST", f"/api/v1/cases/{quote(legacy_id, safe='')}/cancel",
                                           json={"reason": reason}))
        return True

    def fetch_changes(self, cursor: str | None) -> tuple[list[StatusChange], str]:
        """Changes since the cursor's time (or the initial lookback), oldest first."""
        since = since_time(self.name, cursor, self._lookback)
        items = self._answer(self._session.request("GET", "/api/v1/cases/changes",
                                                   params={"since": since.isoformat()})).get("changes")
        if not isinstance(items, list):
            raise TransientError(self.name, "GET /api/v1/cases/changes: malformed reply (no changes list)")
        seen = [self._change(item) for item in items]
        changes = sorted((c for c in seen if self._vocabulary.is_reported(c.legacy_status)), key=lambda c: c.changed_at)
        return changes, next_since(since, [c.changed_at for c in seen], self._overlap)

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes, now: datetime) -> list[StatusChange]:
        """verify_and_parse_webhook with this system's secret, age limit and vocabulary."""
        return verify_and_parse_webhook(headers, raw_body, self._webhook_secret, now, vocabulary=self._vocabulary,
                                        max_age_seconds=self._webhook_max_age)

    def _answer(self, response: requests.Response) -> dict:
        try:
            body = response.json()
        except ValueError:
            raise TransientError(self.name, f"malformed reply (not JSON, HTTP {response.status_code})") from None
        if not isinstance(body, dict):
            raise TransientError(self.name, f"malformed reply (not a JSON object, HTTP {response.status_code})")
        if response.status_code >= 500:
            raise TransientError(self.name, f"server error HTTP {response.status_code}: {body.get('detail')}")
        if response.status_code >= 400:
            raise PermanentError(self.name, f"{body.get('code') or response.status_code}: {body.get('detail')}")
        return body

    def _case(self, case) -> LegacyWorkOrder:
        try:
            return LegacyWorkOrder(str(case["id"]), str(case["external_reference"]), str(case["status"]))
        except (TypeError, KeyError):
            raise TransientError(self.name, "malformed case in reply") from None

    def _change(self, item) -> StatusChange:
        try:
            return read_change(self._vocabulary, item)
        except ValueError as error:
            raise TransientError(self.name, f"malformed change in reply: {error}") from None
