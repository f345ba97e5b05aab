"""How fast: time to route, to work order and to close; service levels; the overdue list; the backlog."""
from services.metrics.measures.lifecycle import elapsed_seconds, grouped, in_triage, measured, sla_outcome
from services.metrics.measures.statistics import HOUR, duration_stats, rate

MILESTONES = {"to_route": "routed_at", "to_work_order": "work_order_at", "to_close": "closed_at"}
AGE_BUCKETS = ((1, "under 1 day"), (3, "1-3 days"), (7, "3-7 days"), (30, "7-30 days"), (None, "over 30 days"))


def timings(facts):
    """Median and 90th percentile hours from creation to each milestone, over measured requests.

    Time to close counts requests closed now (a reopened one waits for its final close).
    """
    facts = [f for f in facts if measured(f)]
    result = {name: duration_stats(elapsed_seconds(f, milestone) for f in facts)
              for name, milestone in MILESTONES.items() if name != "to_close"}
    result["to_close"] = duration_stats(elapsed_seconds(f, "closed_at") for f in facts if not f.is_open)
    return result


def compliance(facts, now):
    """Service-level outcome counts and the share met: on time / (on time + late + overdue).

    Requests still open and not yet due are `pending` and count neither way.
    """
    counts = {"on_time": 0, "late": 0, "overdue": 0, "pending": 0}
    for fact in facts:
        outcome = sla_outcome(fact, now) if measured(fact) else None
        if outcome:
            counts[outcome] += 1
    decided = counts["on_time"] + counts["late"] + counts["overdue"]
    return {**counts, "decided": decided, "compliance": rate(counts["on_time"], decided)}


def service_levels(facts, now):
    """Compliance overall, by department and by priority."""
    return {"overall": compliance(facts, now),
            "by_department": _grouped(facts, "department", lambda group: compliance(group, now)),
            "by_priority": _grouped(facts, "priority", lambda group: compliance(group, now))}


def overdue(open_facts, now, limit=100):
    """Open requests past their due time, most overdue first."""
    late = sorted((f for f in open_facts if measured(f) and sla_outcome(f, now) == "overdue"),
                  key=lambda f: f.due_at)
    return {"count": len(late), "requests": [_overdue_row(f, now) for f in late[:limit]]}


def backlog(open_facts, now):
    """What is open now: how many, how old, by department, in age buckets."""
    facts = [f for f in open_facts if measured(f)]
    ages = [(now - f.created_at).total_seconds() for f in facts]
    buckets = {label: 0 for _, label in AGE_BUCKETS}
    for age in ages:
        buckets[_bucket(age)] += 1
    return {"open": len(facts), "age": duration_stats(ages),
            "oldest_hours": round(max(ages) / HOUR, 2) if ages else None,
            "in_triage": sum(1 for f in facts if in_triage(f)),
            "age_buckets": buckets,
            "by_department": _grouped(facts, "department", lambda group: {
                "open": len(group), "overdue": sum(1 for f in group if sla_outcome(f, now) == "overdue"),
                "age": duration_stats((now - f.created_at).total_seconds() for f in group)})}


def _grouped(facts, attribute, measure):
    return {key: measure(group) for key, group in grouped(facts, attribute).items()}


def _bucket(age_seconds):
    days = age_seconds / (24 * HOUR)
    return next(label for limit, label in AGE_BUCKETS if limit is None or days < limit)


def _overdue_row(fact, now):
    return {"service_request_id": fact.service_request_id, "service_code": fact.service_code,
            "service_name": fact.service_name, "department": fact.department, "district": fact.district,
            "neighbourhood": fact.neighbourhood, "priority": fact.priority,
            "created_at": fact.created_at.isoformat(), "due_at": fact.due_at.isoformat(),
            "overdue_hours": round((now - fact.due_at).total_seconds() / HOUR, 2)}
