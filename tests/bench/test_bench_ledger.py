"""The benchmark's bookkeeping, in memory: every submission in exactly one final state, every milestone too."""
import pytest

from bench.accounting import account, exactly_once, unknown_ids
from bench.driver import Window
from bench.ledger import ACCEPTED, FAILED, OUTCOMES, REJECTED, TIMED_OUT, Ledger
from bench.mix import INFORMATION, SERVICE_REQUEST, Planned
from bench.stats import percentiles, summarize

RULES = {"min_accepted_ratio": 0.95, "max_failed_ratio": 0.01, "backlog_growth_per_rate": 0.5,
         "backlog_growth_floor": 20}


def planned(kind=SERVICE_REQUEST, reporter="email", duplicate=False):
    return Planned(kind, "POTHOLE" if kind == SERVICE_REQUEST else "kb-library-hours", "PW-STREETS", {},
                   reporter, planned_duplicate=duplicate)


def test_a_submission_is_closed_once_and_only_with_a_known_outcome():
    ledger = Ledger()
    entry = ledger.open("p", planned(), 1.0)
    assert ledger.in_flight() == [entry]
    with pytest.raises(ValueError):
        ledger.close(entry, "lost", 2.0)
    ledger.close(entry, ACCEPTED, 2.0, "req-1", 200)
    with pytest.raises(RuntimeError):
        ledger.close(entry, REJECTED, 3.0)
    assert ledger.in_flight() == [] and ledger.accepted() == [entry]


def test_every_milestone_state_is_counted_and_the_counts_add_up():
    ledger = Ledger()
    outcomes = [ACCEPTED] * 6 + [REJECTED, TIMED_OUT, FAILED]
    kinds = [SERVICE_REQUEST] * 5 + [INFORMATION] * 4
    for n, (outcome, kind) in enumerate(zip(outcomes, kinds)):
        entry = ledger.open("p", planned(kind, reporter="none" if n == 4 else "email", duplicate=n == 1), 10.0 + n)
        entry.sent_at = 10.0 + n
        ledger.close(entry, outcome, 10.5 + n, f"id-{n}" if outcome == ACCEPTED else None, reason="why")
    observed = {
        "id-0": {"created": 10.6, "routed": 10.7, "work_order_system": "streets", "work_order": 11.0,
                 "work_order_event_ids": {"e1"}, "legacy_ids": {("streets", "1")}, "notified": 12.0, "counted": 11.0},
        "id-1": {"created": 11.6, "duplicate": 11.8, "counted": 12.0},
        "id-2": {"created": 12.6, "routed": 12.7, "work_order_system": "forestry"},
        "id-3": {"created": 13.6, "routed": 13.7, "work_order_system": "streets", "work_order_failed": 14.0},
        "id-5": {"logged": 15.6, "counted": 15.9},
        "stranger": {"created": 1.0},
    }
    accounts = account(ledger.entries, observed, ("streets",))
    states = {a["seq"]: {m: s for m, (s, _) in a["states"].items()} for a in accounts}
    assert [states[n]["work_order"] for n in range(5)] == ["reached", "duplicate", "no_legacy_system",
                                                           "work_order_failed", "not_reached"]
    assert states[4]["notified"] == "no_contact_given" and states[5] == {"counted": "reached"}

    summary = summarize(Window("p", 1.0, 10.0, 19.0), ledger.entries, accounts, [], [], [], RULES)
    assert sum(summary["outcomes"].values()) == summary["submitted"] == 9
    assert summary["outcomes"] == {**{o: outcomes.count(o) for o in OUTCOMES}, "in_flight": 0}
    for name, figures in summary["milestones"].items():
        assert sum(figures["states"].values()) == figures["accepted"], name
    assert summary["milestones"]["service_request.work_order"]["seconds"]["count"] == 1
    assert exactly_once(ledger.entries, observed, {"id-0": 1})["legacy_rows"]["exactly_one"] == 1
    assert unknown_ids(ledger.entries, observed) == ["stranger"]


def test_percentiles_are_nearest_rank_and_say_when_there_is_nothing():
    assert percentiles([]) == {"count": 0, "p50": None, "p95": None, "p99": None, "max": None}
    figures = percentiles([float(n) for n in range(1, 101)])
    assert (figures["p50"], figures["p95"], figures["p99"], figures["max"]) == (50.0, 95.0, 99.0, 100.0)
