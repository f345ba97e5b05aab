"""The benchmark driven for a few seconds against the real system: every contact accounted for.

No timing is asserted: only that the driver's ledger and the statistics agree, whatever the machine.
"""
import csv
import json

import pytest
import requests

from bench.collect import write_submissions
from bench.ledger import ACCEPTED, OUTCOMES
from bench.mix import SERVICE_REQUEST
from bench.report import write
from bench.run import benchmark, load_profile
from bench.service_requests import BROKER, DRIVER
from bench.system import BenchSystem
from tests.support.broker import isolated_vhost
from tests.support.databases import database_urls

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def bench_system(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bench-system")
    profile = load_profile()
    with isolated_vhost() as uri, database_urls("sqlite", workdir) as urls:
        # The tests' fast timers (not the profile's `make run` ones): the test checks bookkeeping, not speed.
        system = BenchSystem(uri, urls, workdir, {"QUIET_HOURS": "00:00-00:00"}, crew_speed="fast")
        try:
            yield system.start()
        finally:
            system.stop()


@pytest.fixture(scope="module")
def run(bench_system):
    profile = load_profile()
    profile["schedule"].update(drain_seconds=15, settle_seconds=30)
    document, ledger, accounts = benchmark(bench_system, profile, rates=[5], seconds=3, ramp=False,
                                           ceiling_seconds=0)
    document["config"] = {"system": "test", "db": "sqlite", "instances": {}, "crew_speed": "demo",
                          "legacy_systems": list(bench_system.legacy_systems), "mix": profile["mix"], "note": ""}
    return document, ledger, accounts


def test_every_submission_reaches_a_final_state(run):
    document, ledger, _ = run
    assert len(ledger) > 0
    assert all(entry.outcome in OUTCOMES for entry in ledger.entries)
    accepted = [e.tracking_id for e in ledger.entries if e.outcome == ACCEPTED]
    assert all(accepted) and len(set(accepted)) == len(accepted)
    assert document["totals"]["submitted"] == len(ledger)
    assert document["totals"]["outcomes"]["in_flight"] == 0


def test_every_accepted_request_is_on_record_and_nothing_unknown_was_created(run, bench_system):
    document, ledger, _ = run
    assert document["totals"]["unknown_ids"] == 0
    accepted = [e for e in ledger.entries if e.outcome == ACCEPTED and e.kind == SERVICE_REQUEST]
    assert accepted, "the mix made no service request: nothing to check"
    for entry in accepted:
        answer = requests.get(bench_system.url("intake", f"/open311/v2/requests/{entry.tracking_id}.json"),
                              timeout=10)
        assert answer.status_code == 200 and answer.json()[0]["service_code"] == entry.planned.subject


def test_the_statistics_count_exactly_what_was_submitted(run):
    document, ledger, accounts = run
    (phase,) = document["phases"]
    assert phase["submitted"] == len(ledger) == sum(phase["outcomes"].values())
    assert phase["outcomes"][ACCEPTED] == len(accounts) == len(ledger.accepted())
    for name, figures in phase["milestones"].items():
        kind = name.split(".")[0]
        assert figures["accepted"] == sum(1 for a in accounts if a["kind"] == kind), name
        assert sum(figures["states"].values()) == figures["accepted"], name
        assert figures["seconds"]["count"] == figures["states"]["reached"], name
    assert sum(phase["by_kind"].values()) == phase["submitted"]


def test_the_results_and_the_audit_trail_are_written(run, tmp_path):
    document, ledger, accounts = run
    folder = write(document, tmp_path / "run", tmp_path / "latest.md")
    write_submissions(folder / "submissions.csv", ledger, accounts)
    assert json.loads((folder / "results.json").read_text())["totals"]["submitted"] == len(ledger)
    assert (folder / "plot.png").stat().st_size > 0 and "Every contact accounted for" in (folder / "results.md").read_text()
    rows = list(csv.DictReader((folder / "submissions.csv").open()))
    assert len(rows) == len(ledger) and all(row["outcome"] in OUTCOMES for row in rows)


@pytest.fixture(scope="module")
def requests_run(bench_system, run):   # after the mixed run, on the same system
    profile = load_profile()
    profile["schedule"].update(drain_seconds=20, settle_seconds=30)
    document, ledger, _ = benchmark(bench_system, profile, rates=[4], seconds=3, ramp=False, ceiling_seconds=0,
                                    mix="requests")
    document["config"] = {"system": "test", "db": "sqlite", "instances": {}, "crew_speed": "fast",
                          "legacy_systems": list(bench_system.legacy_systems), "mix": profile["mix"], "note": ""}
    return document, ledger


def test_the_mixed_mode_has_no_request_mode_figures(run):
    document, _, _ = run
    assert document["mix_mode"] == "contacts" and "service_requests" not in document


def test_the_requests_mode_sends_service_requests_only_and_reports_each_rate(requests_run, bench_system):
    document, ledger = requests_run
    assert len(ledger) > 0 and all(e.kind == SERVICE_REQUEST for e in ledger.entries)
    (row,) = document["service_requests"]["phases"]
    (phase,) = document["phases"]
    accepted = [e for e in ledger.entries if e.outcome == ACCEPTED]
    assert row["phase"] == phase["phase"] == "fixed-4" and row["accepted"] == len(accepted) > 0
    assert row["accepted_per_s"] == phase["accepted_per_s"] and row["work_orders_per_s"] is not None
    for key in ("handed_off", "present_in_department"):
        figure = row[key]
        assert figure["of"] == len(accepted) and 0 < figure["seconds"]["count"] <= len(accepted), key
        assert set(figure["by_system"]) <= set(bench_system.legacy_systems), key
        assert sum(s["count"] for s in figure["by_system"].values()) == figure["seconds"]["count"], key


def test_the_requests_mode_measures_cpu_per_request_for_every_process(requests_run, bench_system):
    document, _ = requests_run
    (row,) = document["service_requests"]["phases"]
    groups = document["service_requests"]["cpu_groups"]
    expected = {*bench_system.services, *(f"{name} (simulator)" for name in bench_system.legacy), BROKER, DRIVER}
    assert set(row["cpu_ms_per_request"]) == expected == set(groups["kinds"])
    assert "SQLite" in groups["database"]
    assert row["cpu_window"]["from"] == "start fixed-4" and row["cpu_window"]["to"] == "drained after fixed-4"
    # intake answered every POST in the window: the kernel counted some CPU time for it
    assert row["cpu"]["intake"]["cpu_seconds"] > 0 and row["cpu"]["intake"]["exited"] == 0
    assert row["cpu_ms_per_request"]["intake"] == pytest.approx(
        1000 * row["cpu"]["intake"]["cpu_seconds"] / row["accepted"], abs=0.01)


def test_the_requests_mode_tables_are_written(requests_run, tmp_path):
    document, _ = requests_run
    folder = write(document, tmp_path / "run", tmp_path / "latest.md")
    text = (folder / "results.md").read_text()
    assert "## Service requests only: per rate" in text and "CPU milliseconds per service request" in text
    assert "| intake |" in text and "| broker |" in text and "| fixed-4 |" in text
    assert json.loads((folder / "results.json").read_text())["service_requests"]["phases"][0]["phase"] == "fixed-4"
