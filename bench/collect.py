"""After the run: join the ledger with what the observer saw, into the results document and a CSV per contact."""
import csv
from collections import Counter
from dataclasses import asdict

import requests

from bench.accounting import MILESTONES, account, exactly_once, unknown_ids
from bench.ledger import OUTCOMES
from bench.mix import INFORMATION
from bench.stats import summarize


def legacy_listings(system):
    """{legacy system: its admin listing of work orders (with their history)}; None if one won't say."""
    listings = {}
    for name in system.legacy_systems:
        try:
            listings[name] = requests.get(system.url(name, "/admin/workorders"), timeout=60).json()["workorders"]
        except (requests.RequestException, ValueError, KeyError):
            return None
    return listings


def legacy_work_orders(system, listings=None):
    """{our tracking id: work orders carrying it} over every configured legacy system; None if one won't say."""
    listings = legacy_listings(system) if listings is None else listings
    if listings is None:
        return None
    counts = Counter()
    for orders in listings.values():
        counts.update(o["external_reference"] for o in orders)
    return dict(counts)


def results_document(schedule, ledger, observed, legacy_orders, system, profile, context):
    milestones = observed["milestones"]
    accounts = account(ledger.entries, milestones, system.legacy_systems)
    phases = [summarize(w, ledger.of_phase(w.phase), [a for a in accounts if a["phase"] == w.phase],
                        observed["queue_samples"], observed["process_samples"], schedule.progress,
                        profile["sustained"], until=_accounted_until(schedule, n))
              for n, w in enumerate(schedule.windows)]
    held = [p["offered_rate"] for p in phases if p["sustained"]]
    highest = max(held) if held else None
    service_share = 1 - profile["mix"]["information_share"]
    return {
        **context,
        "phases": phases, "windows": [asdict(w) for w in schedule.windows], "drains": schedule.drains,
        "highest_sustained": highest,
        "highest_sustained_service_requests": round(highest * service_share, 1) if highest else None,
        "totals": _totals(ledger, milestones),
        "exactly_once": exactly_once(ledger.entries, milestones, legacy_orders),
        "notifications_repeated": _repeated_notifications(milestones),
        "planned_duplicates_detected": sum(1 for a in accounts if a["planned_duplicate"]
                                           and a["states"]["work_order"][0] == "duplicate"),
        "progress_samples": schedule.progress,
        "queue_samples": observed["queue_samples"], "process_samples": observed["process_samples"],
        "bus_messages_observed": observed["messages"], "stream_problem": observed["stream_problem"],
    }, accounts


def _accounted_until(schedule, n):
    """Until when a phase's work is its own: the end of its drain, else the start of the next phase."""
    window = schedule.windows[n]
    if window.phase in schedule.drains:
        return schedule.drains[window.phase]["t"]
    if n + 1 < len(schedule.windows):
        return schedule.windows[n + 1].started_at
    return schedule.drains.get("ramp", {}).get("t", window.ended_at)


def _totals(ledger, milestones):
    outcomes = Counter(e.outcome or "in_flight" for e in ledger.entries)
    return {"submitted": len(ledger), "outcomes": {o: outcomes.get(o, 0) for o in (*OUTCOMES, "in_flight")},
            "by_kind": dict(Counter(e.kind for e in ledger.entries)),
            "planned_duplicates": sum(1 for e in ledger.entries if e.planned.planned_duplicate),
            "unknown_ids": len(unknown_ids(ledger.entries, milestones))}


def _repeated_notifications(milestones):
    """NotificationSent published more than once for the same notification (a message sent twice)."""
    return sum(1 for r in milestones.values()
               if r.get("notification_deliveries", 0) > len(r.get("notification_ids", ())))


def write_submissions(path, ledger, accounts):
    """One row per submission, with its final state and milestones: the audit trail of the statistics."""
    by_seq = {a["seq"]: a for a in accounts}
    columns = ["seq", "phase", "kind", "subject", "planned_duplicate", "address_only", "reporter", "scheduled_at",
               "sent_at", "answered_at", "outcome", "tracking_id", "http_status", "reason", "department"]
    milestones = sorted({m for ms in MILESTONES.values() for m in ms})
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns + [f"{m}_{x}" for m in milestones for x in ("state", "seconds")])
        for e in ledger.entries:
            row = by_seq.get(e.seq, {})
            states = row.get("states", {})
            writer.writerow([e.seq, e.phase, e.kind, e.planned.subject, e.planned.planned_duplicate,
                             e.planned.address_only, "call-taker" if e.kind == INFORMATION else e.planned.reporter,
                             _t(e.scheduled_at), _t(e.sent_at), _t(e.answered_at), e.outcome, e.tracking_id,
                             e.http_status, e.reason, row.get("department")]
                            + [v for m in milestones for v in _state(states.get(m))])


def _t(value):
    return f"{value:.4f}" if value is not None else ""


def _state(state):
    if state is None:
        return ["", ""]
    return [state[0], f"{state[1]:.4f}" if state[1] is not None else ""]
