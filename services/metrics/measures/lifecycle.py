"""Where a request stands: the predicates every measure agrees on.

A fact is *measured* once its RequestCreated has arrived (its clock starts
there) and it is not a duplicate: duplicates ride on their parent's work
order, so they are reported by the duplicate rate, not in service levels.
"""
from collections import defaultdict

UNKNOWN = "unknown"


def measured(fact):
    return fact.created_at is not None and fact.duplicate_of is None


def in_triage(fact):
    """Waiting for a person: sent to triage after its last routing decision, and still open."""
    return (fact.is_open and fact.triaged_at is not None
            and (fact.route_decided_at is None or fact.triaged_at > fact.route_decided_at))


def elapsed_seconds(fact, milestone):
    """Seconds from creation to `milestone` (an attribute name), None when either is missing."""
    end = getattr(fact, milestone)
    if end is None or fact.created_at is None:
        return None
    return max(0.0, (end - fact.created_at).total_seconds())


def sla_outcome(fact, now):
    """'on_time' / 'late' (closed), 'overdue' / 'pending' (open), or None without a due time."""
    if fact.due_at is None:
        return None
    if not fact.is_open:
        return "on_time" if fact.closed_at <= fact.due_at else "late"
    return "overdue" if now > fact.due_at else "pending"


def grouped(facts, attribute):
    """Facts by the value of `attribute` (`unknown` when missing), keys sorted."""
    groups = defaultdict(list)
    for fact in facts:
        groups[getattr(fact, attribute) or UNKNOWN].append(fact)
    return dict(sorted(groups.items()))
