"""Who is served how well: the same measures per district or neighbourhood, and the gap between areas.

An area with fewer than `min_count` requests is flagged `small_count` and never
ranked: a district with three requests, all late, says little about how it is
served. Gaps are taken between the best and worst areas that have enough
requests behind the measure (decided service levels, closed requests).
"""
from services.metrics.measures.lifecycle import UNKNOWN, elapsed_seconds, grouped, measured, sla_outcome
from services.metrics.measures.quality import surveys
from services.metrics.measures.statistics import duration_stats
from services.metrics.measures.timeliness import compliance

MIN_COUNT = 10
AREA_KINDS = ("district", "neighbourhood")


def equity(facts, open_facts, now, by="district", areas=None, min_count=MIN_COUNT):
    """Per-area measures, ranks and gaps.

    `facts`: requests created in the period; `open_facts`: requests open now;
    `areas`: {code: name} of every area of the jurisdiction, so an area nobody
    reported from still shows, with zero requests.
    """
    if by not in AREA_KINDS:
        raise ValueError(f"equity is measured by {' or '.join(AREA_KINDS)}, not {by!r}")
    areas = areas or {}
    cohort, current = grouped(facts, by), grouped(open_facts, by)
    codes = sorted((set(areas) | set(cohort) | set(current)) - {UNKNOWN})
    rows = [_area(code, areas.get(code), cohort.get(code, []), current.get(code, []), now, min_count)
            for code in codes]
    _rank(rows, min_count)
    return {"by": by, "min_count": min_count, "areas": rows, "unlocated": len(cohort.get(UNKNOWN, [])),
            "gaps": {"compliance": _gap(rows, "compliance", "decided", max, min_count),
                     "median_close_hours": _gap(rows, "median_close_hours", "closed", min, min_count)}}


def _area(code, name, facts, open_facts, now, min_count):
    close = duration_stats(elapsed_seconds(f, "closed_at") for f in facts if measured(f) and not f.is_open)
    sla = compliance(facts, now)
    survey = surveys(facts)
    still_open = [f for f in open_facts if measured(f)]
    return {"area": code, "name": name, "requests": len(facts), "small_count": len(facts) < min_count,
            "closed": close["count"], "median_close_hours": close["median_hours"],
            "p90_close_hours": close["p90_hours"], "decided": sla["decided"], "compliance": sla["compliance"],
            "open": len(still_open), "overdue": sum(1 for f in still_open if sla_outcome(f, now) == "overdue"),
            "survey_responses": survey["responses"], "mean_satisfaction": survey["mean_satisfaction"],
            "not_fixed_rate": survey["not_fixed_rate"], "rank": None}


def _rank(rows, min_count):
    """Rank areas with enough decided requests: best compliance first, then the quicker close."""
    eligible = [r for r in rows if not r["small_count"] and r["decided"] >= min_count]
    eligible.sort(key=lambda r: (-r["compliance"], r["median_close_hours"] if r["median_close_hours"] is not None
                                 else float("inf")))
    for position, row in enumerate(eligible, start=1):
        row["rank"] = position


def _gap(rows, measure, basis, best_of, min_count):
    """Best and worst area on `measure` among those with at least `min_count` behind it (`basis`)."""
    eligible = [r for r in rows if not r["small_count"] and r[basis] >= min_count and r[measure] is not None]
    if len(eligible) < 2:
        return {"best": None, "worst": None, "difference": None,
                "note": f"needs two areas with at least {min_count} {basis} requests"}
    worst_of = min if best_of is max else max
    best, worst = best_of(eligible, key=lambda r: r[measure]), worst_of(eligible, key=lambda r: r[measure])
    gap = {"best": {"area": best["area"], "value": best[measure]},
           "worst": {"area": worst["area"], "value": worst[measure]},
           "difference": round(abs(best[measure] - worst[measure]), 4)}
    if best_of is min and best[measure]:
        gap["ratio"] = round(worst[measure] / best[measure], 2)
    return gap
