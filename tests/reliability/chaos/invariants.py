"""What must hold after every fault, read through public interfaces and the department systems' own records.

- every accepted service request has exactly one live work order, in the system of the department
  routing says it belongs to now (or is in triage with a reason, or is a duplicate of another);
- no closed request shows an earlier stage (Open311 GET requests);
- each notification is sent once per recipient (SMS gateway; email at most once per Message-ID), and
  every reporter who left an email or a phone number hears at least once;
- metrics' counts equal intake's truth;
- the dead-letter queues hold exactly the injected poison, each with its reason;
- every supervised process is running.
"""
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml
from kombu import Connection
from sqlalchemy import create_engine, text

from bench.ledger import ACCEPTED
from bench.mix import INFORMATION, SERVICE_REQUEST
from shared.config import SERVICES
from shared.messaging.deadletters import describe, fetch
from tests.support.processes import ROOT
from tests.support.service_tokens import staff_headers

OPEN311_BATCH = 50
STAFF, STAFF_ROLE = "lee", "supervisor"   # the sample jurisdiction's supervisor reads and re-routes


@dataclass
class Findings:
    """What a check found wrong; empty lists and dicts when everything holds."""
    lost: list = field(default_factory=list)                 # accepted, yet nowhere: no work order, no reason
    duplicated: list = field(default_factory=list)           # more than one live work order
    misplaced: list = field(default_factory=list)            # its work order is not in routing's department
    stage_regressions: list = field(default_factory=list)    # closed, showing an earlier stage
    unnotified: list = field(default_factory=list)           # a reporter who left a contact heard nothing
    notifications_repeated: list = field(default_factory=list)
    metrics_mismatch: dict = field(default_factory=dict)
    dead_letters: dict = field(default_factory=dict)          # unexpected / missing poison / without a reason
    not_running: dict = field(default_factory=dict)

    def holds(self):
        return not any(vars(self).values())

    def keys(self):
        """Each thing found wrong as one comparable string (a mismatch by its name, not its numbers)."""
        keys = set()
        for name, value in vars(self).items():
            if name == "dead_letters":
                keys |= {f"{name}: {what}: {item}" for what, items in value.items() for item in items}
            else:
                keys |= {f"{name}: {item}" for item in value}
        return keys

    def summary(self, only=None):
        """One short line per broken invariant (those named in `only`, if given)."""
        lines = []
        for name, value in vars(self).items():
            if value and (only is None or name in only):
                shown = value if isinstance(value, dict) else value[:5]
                lines.append(f"{name} ({len(value)}): {shown}")
        return lines


def cancelled_statuses():
    """{department system: its status for a withdrawn work order} (system.yaml of each simulator)."""
    statuses = {}
    for path in (Path(ROOT) / "legacy_systems").glob("*/system.yaml"):
        settings = yaml.safe_load(path.read_text())
        statuses[settings["name"]] = settings["workflow"]["cancelled"]
    return statuses


class Checker:
    """Checks the invariants of one running system against the ledger of what the driver had accepted."""

    def __init__(self, system, poison=None):
        self.system = system
        self.poison = poison if poison is not None else {}   # {marker: (dead-letter queue, what)}
        self.cancelled = cancelled_statuses()
        self._pool = ThreadPoolExecutor(8, thread_name_prefix="chaos-check")
        self._closed = {}    # routing's decisions on closed requests: final, not asked again

    def check(self, entries):
        """Findings over every accepted submission in `entries`."""
        accepted = [e for e in entries if e.outcome == ACCEPTED]
        requests_ = [e.tracking_id for e in accepted if e.kind == SERVICE_REQUEST]
        contacts = [e.tracking_id for e in accepted if e.kind == INFORMATION]
        findings = Findings()
        self._work_orders(requests_, findings)
        public = self._public_records(requests_, findings)
        self._notifications([e for e in accepted if e.kind == SERVICE_REQUEST], findings)
        self._metrics(requests_, contacts, public, findings)
        self._dead_letters(findings)
        findings.not_running = self.system.supervisor.not_running()
        return findings

    # -- work orders --------------------------------------------------------------------------------
    def _work_orders(self, ids, findings):
        live = self._live_work_orders()
        decisions = dict(zip(ids, self._pool.map(self._decision, ids)))
        for rid in ids:
            placed = live.get(rid, [])
            decision = decisions[rid]
            if len(placed) > 1:
                findings.duplicated.append(f"{rid}: {len(placed)} live work orders in {sorted(placed)}")
            elif decision is None:
                findings.lost.append(f"{rid}: routing knows nothing of it")
            elif decision["outcome"] == "routed":
                if not placed:
                    findings.lost.append(f"{rid}: routed to {decision['work_order_system']}, no work order there")
                elif placed[0] != decision["work_order_system"]:
                    findings.misplaced.append(f"{rid}: routed to {decision['work_order_system']}, "
                                              f"work order in {placed[0]}")
            elif decision["outcome"] == "triage":
                if placed or not decision.get("triage_reason"):
                    findings.lost.append(f"{rid}: in triage ({decision.get('triage_reason')!r}) "
                                         f"with work orders in {placed}")
            elif decision["outcome"] == "duplicate":
                if placed:
                    findings.duplicated.append(f"{rid}: a duplicate with a work order in {placed}")
            else:
                findings.lost.append(f"{rid}: routing outcome {decision['outcome']!r}")

    def _live_work_orders(self):
        """{tracking id: [system, ...]} one entry per work order not withdrawn, in every department system."""
        live = {}
        for name in self.system.legacy_systems:
            orders = requests.get(self.system.url(name, "/admin/workorders"), timeout=60).json()["workorders"]
            for order in orders:
                if order["status"] != self.cancelled[name]:
                    live.setdefault(order["external_reference"], []).append(name)
        return live

    def _decision(self, rid):
        if rid in self._closed:
            return self._closed[rid]
        response = requests.get(self.system.url("routing", f"/api/requests/{rid}"), timeout=30,
                                headers=staff_headers("routing", STAFF, STAFF_ROLE))
        if response.status_code == 404:
            return None
        response.raise_for_status()
        decision = response.json()
        if decision.get("open") is False:
            self._closed[rid] = decision
        return decision

    # -- the public record ------------------------------------------------------------------------------
    def _public_records(self, ids, findings):
        """{id: Open311 record}; a closed request must say it is closed, not an earlier stage."""
        records = {}
        for start in range(0, len(ids), OPEN311_BATCH):
            batch = ids[start:start + OPEN311_BATCH]
            response = requests.get(self.system.url("intake", "/open311/v2/requests.json"), timeout=60,
                                    params={"service_request_id": ",".join(batch), "extensions": "true"})
            response.raise_for_status()
            records.update((r["service_request_id"], r) for r in response.json())
        for rid in ids:
            record = records.get(rid)
            if record is None:
                findings.lost.append(f"{rid}: Open311 does not know it")
            elif record["status"] == "closed" and not (record.get("status_notes") or "").startswith("Closed"):
                findings.stage_regressions.append(f"{rid}: closed, showing {record.get('status_notes')!r}")
        return records

    # -- notifications ------------------------------------------------------------------------------
    def _notifications(self, filed, findings):
        """At least one message to each reporter who left a contact (each is someone new), none sent twice."""
        mails = requests.get(self.system.url("mailcatcher", "/api/messages"), timeout=60).json()["messages"]
        # Email's guarantee is at least once per delivery: a copy sent again after an ambiguous SMTP outcome
        # carries the same Message-ID, and a receiver collapses it, so repeats of one Message-ID are not
        # violations. Two Message-IDs are two deliveries, which may legitimately read the same (a crew's work
        # started, went on hold, started again): the mail alone cannot tell a duplicate delivery.
        texts = requests.get(self.system.url("smsgateway", "/api/messages"), timeout=60).json()["messages"]
        per_text = Counter((t["to"], t.get("reference") or t["body"]) for t in texts)
        findings.notifications_repeated += [f"text to {to} ({key[:40]}) sent {n} times"
                                            for (to, key), n in per_text.items() if n > 1]
        mailed = {address.lower() for m in mails for address in m["to"]}
        texted = {_digits(t["to"])[-10:] for t in texts}
        for entry in filed:
            form = entry.planned.form
            if "email" in form and form["email"].lower() not in mailed:
                findings.unnotified.append(f"{entry.tracking_id}: no mail to {form['email']}")
            if "phone" in form and _digits(form["phone"])[-10:] not in texted:
                findings.unnotified.append(f"{entry.tracking_id}: no text to {form['phone']}")

    # -- metrics ------------------------------------------------------------------------------------
    def _metrics(self, request_ids, contact_ids, public, findings):
        summary = requests.get(self.system.url("metrics", "/api/summary"), timeout=60).json()
        truth = self._intake_truth() or {
            "requests_created": len(public), "information_contacts": len(contact_ids),
            "requests_closed": sum(1 for r in public.values() if r["status"] == "closed")}
        for name, expected in truth.items():
            if summary.get(name) != expected:
                findings.metrics_mismatch[name] = {"metrics": summary.get(name), "intake": expected}

    def _intake_truth(self):
        """What intake itself recorded, from its database (None when the system does not say where it is).

        Not the driver's accepted submissions: a POST the client gave up on (a timeout while the machine was
        starved) may still have been committed, and metrics rightly counts it; the driver cannot know."""
        url = getattr(self.system, "database_urls", {}).get("intake")
        if not url:
            return None
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                def count(sql):
                    return connection.execute(text(sql)).scalar()
                return {"requests_created": count("SELECT count(*) FROM service_requests"),
                        "information_contacts": count("SELECT count(*) FROM information_contacts"),
                        "requests_closed": count("SELECT count(*) FROM service_requests WHERE status = 'closed'")}
        finally:
            engine.dispose()

    # -- dead letters ---------------------------------------------------------------------------------
    def _dead_letters(self, findings):
        expected = dict(self.poison)
        unexpected, unexplained = [], []
        with Connection(self.system.amqp_uri, connect_timeout=10) as connection:
            for service in SERVICES:
                channel, messages = fetch(connection, f"{service}.dlq")
                for message in messages:
                    info = describe(message)
                    marker = _marker(message.body)
                    if marker is None or expected.pop(marker, None) is None:
                        unexpected.append(f"{service}.dlq: {info['event_type']} {info['event_id']} "
                                          f"({(info['error'] or '')[:80]})")
                    elif not info["error"]:
                        unexplained.append(f"{service}.dlq: poison {marker} without a reason")
                channel.close()   # unacked: they stay where they are
        if unexpected:
            findings.dead_letters["unexpected"] = unexpected
        if expected:
            findings.dead_letters["injected, not dead-lettered"] = sorted(expected)
        if unexplained:
            findings.dead_letters["without a reason"] = unexplained


def _digits(phone):
    return "".join(c for c in phone if c.isdigit())


POISON_TAG = b"chaos-poison-"


def _marker(body):
    """The poison marker a chaos run put in a message body, or None for a message of the system's own."""
    raw = body if isinstance(body, bytes) else str(body).encode()
    at = raw.find(POISON_TAG)
    if at < 0:
        return None
    end = at + len(POISON_TAG)
    while end < len(raw) and chr(raw[end]).isalnum():
        end += 1
    return raw[at:end].decode()
