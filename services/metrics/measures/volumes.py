"""How much: service requests and information contacts by channel, service, department, district, day."""
from collections import Counter

from services.metrics.measures.lifecycle import UNKNOWN
from services.metrics.measures.statistics import rate


def volumes(facts, contacts, timezone):
    """Counts over the requests created (and contacts answered) in a period.

    `contacts` is None when they cannot be attributed to the filter (they have
    no district): then the information share is None rather than wrong.
    Days are calendar days in the jurisdiction's `timezone`.
    """
    facts = [f for f in facts if f.created_at is not None]
    by_channel = {}
    for channel, count in Counter(f.channel or UNKNOWN for f in facts).items():
        by_channel.setdefault(channel, {"service": 0, "information": 0})["service"] = count
    for channel, count in Counter(c.channel for c in contacts or ()).items():
        by_channel.setdefault(channel, {"service": 0, "information": 0})["information"] = count
    information = None if contacts is None else len(contacts)
    return {
        "service_requests": len(facts),
        "information_contacts": information,
        "information_share": None if information is None else rate(information, information + len(facts)),
        "by_channel": dict(sorted(by_channel.items())),
        "by_service": _counts(f.service_code for f in facts),
        "by_department": _counts(f.department for f in facts),
        "by_district": _counts(f.district for f in facts),
        "by_day": _by_day(facts, contacts or (), timezone),
    }


def _counts(values):
    return dict(sorted(Counter(v or UNKNOWN for v in values).items()))


def _by_day(facts, contacts, timezone):
    service = Counter(f.created_at.astimezone(timezone).date() for f in facts)
    information = Counter(c.logged_at.astimezone(timezone).date() for c in contacts)
    return [{"day": day.isoformat(), "service": service[day], "information": information[day]}
            for day in sorted(set(service) | set(information))]
