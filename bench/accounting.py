"""Each accepted contact's end-to-end milestones, each in exactly one state: reached, or why not.

Service requests have three milestones: the work order in the department's legacy
system (WorkOrderCreated), the first notification delivered to the reporter
(NotificationSent) and the request counted by metrics (its first fact on the
analysts' stream). Information contacts have one: counted by metrics.
"""
from bench.ledger import ACCEPTED
from bench.mix import INFORMATION, SERVICE_REQUEST

REACHED, NOT_REACHED = "reached", "not_reached"
# Why a request has no work order and should not: the reasons, in the order they are checked.
WORK_ORDER_STATES = (REACHED, "duplicate", "no_legacy_system", "work_order_failed", "needs_triage", NOT_REACHED)
NOTIFICATION_STATES = (REACHED, "notification_failed", "no_contact_given", NOT_REACHED)
COUNTED_STATES = (REACHED, NOT_REACHED)
MILESTONES = {SERVICE_REQUEST: ("work_order", "notified", "counted"), INFORMATION: ("counted",)}
STATES = {"work_order": WORK_ORDER_STATES, "notified": NOTIFICATION_STATES, "counted": COUNTED_STATES}
# Where the time goes: (stage, from, to) between milestones, "answered" being the POST's answer.
STAGES = {SERVICE_REQUEST: (("intake: answered -> RequestCreated on the bus", "answered", "created"),
                            ("routing: RequestCreated -> RequestRouted", "created", "routed"),
                            ("workorders: RequestRouted -> WorkOrderCreated", "routed", "work_order"),
                            ("metrics: RequestCreated -> counted", "created", "counted"),
                            ("notifications: RequestCreated -> first sent", "created", "notified")),
          INFORMATION: (("intake: answered -> InformationRequestLogged on the bus", "answered", "logged"),
                        ("metrics: logged -> counted", "logged", "counted"))}


def milestone_states(entry, observed, legacy_systems):
    """{milestone: (state, seconds from POST answered or None)} for one accepted submission."""
    record = observed.get(entry.tracking_id, {})
    states = {}
    for milestone in MILESTONES[entry.kind]:
        if milestone in record:
            states[milestone] = (REACHED, record[milestone] - entry.answered_at)
        else:
            states[milestone] = (_why_not(milestone, entry, record, legacy_systems), None)
    return states


def _why_not(milestone, entry, record, legacy_systems):
    if milestone == "work_order":
        if "duplicate" in record:
            return "duplicate"
        if "routed" in record and record.get("work_order_system") not in legacy_systems:
            return "no_legacy_system"
        if "work_order_failed" in record:
            return "work_order_failed"
        if "triage" in record:
            return "needs_triage"
    if milestone == "notified":
        if "notify_failed" in record:
            return "notification_failed"
        if entry.planned.reporter == "none":
            return "no_contact_given"
    return NOT_REACHED


def account(entries, observed, legacy_systems):
    """Per accepted submission: its seq, kind, phase and milestone states."""
    return [{"seq": e.seq, "phase": e.phase, "kind": e.kind, "planned_duplicate": e.planned.planned_duplicate,
             "department": _department(e, observed), "states": milestone_states(e, observed, legacy_systems),
             "stages": stage_seconds(e, observed)}
            for e in entries if e.outcome == ACCEPTED]


def stage_seconds(entry, observed):
    """{stage: seconds} for the stages whose both ends were seen."""
    times = {"answered": entry.answered_at, **observed.get(entry.tracking_id, {})}
    return {stage: times[end] - times[start] for stage, start, end in STAGES[entry.kind]
            if isinstance(times.get(start), float) and isinstance(times.get(end), float)}


def _department(entry, observed):
    return observed.get(entry.tracking_id, {}).get("department") or entry.planned.department


def exactly_once(entries, observed, legacy_orders):
    """Work orders per request that reached one: bus events, distinct legacy ids, legacy systems' own rows."""
    per_request = {"events": {}, "legacy_ids": {}, "legacy_rows": {}}
    for entry in entries:
        record = observed.get(entry.tracking_id or "", {})
        if entry.outcome != ACCEPTED or "work_order" not in record:
            continue
        per_request["events"][entry.tracking_id] = len(record["work_order_event_ids"])
        per_request["legacy_ids"][entry.tracking_id] = len(record["legacy_ids"])
        if legacy_orders is not None:
            per_request["legacy_rows"][entry.tracking_id] = legacy_orders.get(entry.tracking_id, 0)
    return {name: {"requests": len(counts), "exactly_one": sum(1 for c in counts.values() if c == 1),
                   "not_one": {rid: c for rid, c in counts.items() if c != 1}}
            for name, counts in per_request.items()}


def unknown_ids(entries, observed):
    """Ids the bus created that the driver never got back (e.g. accepted after the driver gave up)."""
    known = {e.tracking_id for e in entries if e.tracking_id}
    return sorted(rid for rid, record in observed.items()
                  if rid not in known and ("created" in record or "logged" in record))
