"""Per phase: what was offered and what came of it, latencies, queues, processes, and whether it held up."""
import math
from collections import Counter

from bench.accounting import MILESTONES, REACHED, STAGES, STATES
from bench.ledger import ACCEPTED, OUTCOMES


def percentiles(values):
    """count, p50, p95, p99, max (nearest rank), in the values' unit; None when there are none."""
    ordered = sorted(values)
    if not ordered:
        return {"count": 0, "p50": None, "p95": None, "p99": None, "max": None}
    def rank(q):
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 4)
    return {"count": len(ordered), "p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99),
            "max": round(ordered[-1], 4)}


# Process groups that are not city311's own (the broker and PostgreSQL may serve others on the machine).
NOT_CITY311 = ("rabbitmq", "postgres", "bench driver")


def summarize(window, entries, accounts, queue_samples, process_samples, progress, rules, until=None):
    """The figures of one phase (its submissions, wherever their answers fell in time).

    CPU per contact counts each process's CPU time from the phase's start to `until`
    (the end of the drain that followed it), divided by the contacts accepted in the phase.

    `progress` are the driver's own samples ({t, backlog, pending}): pending is accepted
    contacts not yet counted by metrics, the backlog end to end (outboxes and prefetched
    messages included, which queue depths do not show).
    """
    outcomes = Counter(e.outcome or "in_flight" for e in entries)
    accepted = [e for e in entries if e.outcome == ACCEPTED]
    in_window = sum(1 for e in accepted if window.started_at <= e.answered_at <= window.ended_at)
    summary = {
        "phase": window.phase, "offered_rate": window.rate, "seconds": round(window.seconds, 2),
        "submitted": len(entries), "outcomes": {o: outcomes.get(o, 0) for o in (*OUTCOMES, "in_flight")},
        "by_kind": dict(Counter(e.kind for e in entries)),
        "offered_per_s": round(len(entries) / window.seconds, 2),
        "accepted_per_s": round(in_window / window.seconds, 2),
        "not_accepted_reasons": dict(Counter(e.reason for e in entries if e.outcome != ACCEPTED).most_common(5)),
        "post_seconds": percentiles([e.answered_at - e.sent_at for e in accepted]),
        "post_seconds_from_schedule": percentiles([e.answered_at - e.scheduled_at for e in accepted]),
        "milestones": _milestones(accounts),
        "stages": _stages(accounts),
        "queues": _queues(window, queue_samples),
        "growth": growth(window, progress),
        "processes": _processes(window, process_samples, until, len(accepted)),
        "city311_rss_peak_mb": _rss_peak(window, process_samples),
    }
    summary["sustained"], summary["not_sustained_because"] = _sustained(summary, rules)
    return summary


def _milestones(accounts):
    """Per kind and milestone: a count of every state (they sum to the accepted) and the reached times."""
    figures = {}
    for kind, milestones in MILESTONES.items():
        rows = [a for a in accounts if a["kind"] == kind]
        for milestone in milestones:
            states = Counter(a["states"][milestone][0] for a in rows)
            figures[f"{kind}.{milestone}"] = {
                "accepted": len(rows), "states": {s: states.get(s, 0) for s in STATES[milestone]},
                "seconds": percentiles([a["states"][milestone][1] for a in rows
                                        if a["states"][milestone][0] == REACHED])}
    return figures


def _stages(accounts):
    return {stage: percentiles([a["stages"][stage] for a in accounts if stage in a["stages"]])
            for kind, stages in STAGES.items() for stage, _, _ in stages}


def growth(window, progress):
    """How much the backlog and the pending contacts grew from the middle to the last third of the phase.

    The first third is left out: a phase starts empty and fills to its steady level.
    """
    inside = [s for s in progress if window.started_at <= s["t"] <= window.ended_at]
    if len(inside) < 3:
        return {"backlog": 0.0, "pending": 0.0, "pending_end": inside[-1]["pending"] if inside else None}
    third = len(inside) // 3
    middle, last = inside[third:2 * third], inside[2 * third:]
    def mean(rows, key):
        return sum(r[key] for r in rows) / len(rows)
    return {"backlog": round(mean(last, "backlog") - mean(middle, "backlog"), 1),
            "pending": round(mean(last, "pending") - mean(middle, "pending"), 1),
            "pending_end": inside[-1]["pending"]}


def _queues(window, samples):
    inside = [s for s in samples if window.started_at <= s["t"] <= window.ended_at]
    if not inside:
        return {"samples": 0}
    peaks = {}
    for sample in inside:
        for name, depth in sample["queues"].items():
            if depth:
                peaks[name] = max(peaks.get(name, 0), depth)
    return {"samples": len(inside), "backlog_start": inside[0]["backlog"], "backlog_end": inside[-1]["backlog"],
            "backlog_max": max(s["backlog"] for s in inside),
            "peak_by_queue": dict(sorted(peaks.items(), key=lambda kv: -kv[1])[:8])}


def _processes(window, samples, until, accepted):
    inside = [s for s in samples if window.started_at <= s["t"] <= window.ended_at]
    names = {name for s in inside for name in s["processes"]}
    cpu_seconds = _cpu_seconds(samples, window.started_at, until or window.ended_at)
    return {name: {"cpu_mean": round(sum(s["processes"].get(name, {}).get("cpu", 0) for s in inside)
                                     / len(inside), 1),
                   "rss_peak_mb": round(max(s["processes"].get(name, {}).get("rss", 0) for s in inside) / 2**20, 1),
                   "cpu_ms_per_contact": round(1000 * cpu_seconds.get(name, 0) / accepted, 1) if accepted else None}
            for name in sorted(names)}


def _cpu_seconds(samples, start, until):
    """CPU seconds per process group between two times (each sample holds the mean since the one before)."""
    totals = {}
    for before, sample in zip(samples, samples[1:]):
        if start < sample["t"] <= until:
            for name, usage in sample["processes"].items():
                totals[name] = totals.get(name, 0.0) + usage["cpu"] / 100 * (sample["t"] - before["t"])
    return totals


def _rss_peak(window, samples):
    """The peak of all city311 processes' resident memory together, in MB."""
    inside = [s for s in samples if window.started_at <= s["t"] <= window.ended_at]
    return round(max((sum(u["rss"] for name, u in s["processes"].items() if not name.startswith(NOT_CITY311))
                      for s in inside), default=0) / 2**20, 1)


def _sustained(summary, rules):
    return verdict(summary["offered_rate"], summary["submitted"], summary["outcomes"][ACCEPTED],
                   summary["accepted_per_s"] * summary["seconds"], summary["growth"], rules)


def verdict(rate, submitted, accepted, accepted_in_time, grown, rules):
    """(held, reasons): accepted kept up with offered, few failures, neither backlog kept growing."""
    reasons = []
    if accepted_in_time < rules["min_accepted_ratio"] * submitted:
        reasons.append(f"accepted {accepted_in_time:.0f} of {submitted} while offered")
    if submitted - accepted > rules["max_failed_ratio"] * submitted:
        reasons.append(f"{submitted - accepted} of {submitted} not accepted")
    allowed = max(rules["backlog_growth_floor"], rules["backlog_growth_per_rate"] * rate)
    for name, what in (("backlog", "queued messages"), ("pending", "contacts not yet counted")):
        if grown[name] > allowed:
            reasons.append(f"{what} grew by {grown[name]:g} (allowed {allowed:g})")
    return not reasons, reasons
