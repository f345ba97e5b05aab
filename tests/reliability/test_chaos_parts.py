"""The chaos harness's own parts, without a system: the table, the fault choice, the poison markers, the proxy."""
import json

import pytest

from shared.messaging import broker
from tests.reliability.chaos import faults, table
from tests.reliability.chaos.infrastructure import BrokerNode
from tests.reliability.chaos.invariants import POISON_TAG, Findings, _marker, cancelled_statuses
from tests.reliability.chaos.run import Row, _ids
from tests.reliability.chaos.supervised import programs_for
from tests.support.processes import Process

CONTEXT = {"started": "2026-12-07 04:00:00 UTC", "db": "postgresql", "rate": 2.0, "timers": "fast",
           "converge_seconds": 60.0, "machine": "2 cores"}


def test_the_table_has_one_line_per_row_and_says_which_rows_failed(tmp_path):
    good = Row("kill -9 intake x3", "kill -9", 10, requests=20, converge_seconds=4.2, restarted=["intake"])
    bad = Row("streets down", "department system down", 300, requests=30, lost=2, duplicated=1,
              violations=["lost (2): ['a: b']"])
    text = table.write([good, bad], CONTEXT, tmp_path / "run", tmp_path / "latest.md")
    assert "| kill -9 intake x3 | 20 | 0 | 0 | 4.2 s | intake |" in text
    assert "| streets down | 30 | 2 | 1 | did not converge | — |" in text
    assert "1 of 2 rows lost, duplicated or did not converge: streets down" in text
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert [r["fault"] for r in saved["rows"]] == ["kill -9 intake x3", "streets down"]
    assert (tmp_path / "run" / "table.md").read_text() == text
    assert "(run)" in (tmp_path / "latest.md").read_text()


def test_a_table_of_clean_rows_says_so(tmp_path):
    rows = [Row("SMTP down", "SMTP down", 20, requests=5, converge_seconds=1.0)]
    assert "all 1 rows: zero lost, zero duplicated, converged" in table.markdown(rows, CONTEXT)


def test_findings_hold_only_when_every_list_is_empty():
    assert Findings().holds()
    assert not Findings(not_running={"intake": "BACKOFF"}).holds()
    assert not Findings(dead_letters={"unexpected": ["x"]}).holds()
    assert Findings(lost=["r1: nowhere"]).summary() == ["lost (1): ['r1: nowhere']"]


def test_row_counts_come_from_the_tracking_ids_the_findings_name():
    assert _ids(["311-1: routed to streets, no work order there", "311-2: routing knows nothing"]) == {"311-1",
                                                                                                        "311-2"}


def test_a_poison_marker_is_found_in_any_body_and_only_in_poison():
    marker = f"{POISON_TAG.decode()}{'ab12' * 8}"
    assert _marker(f"{{not json {marker}".encode()) == marker
    assert _marker(json.dumps({"chaos": marker}).encode()) == marker
    assert _marker(b'{"event_type": "RequestCreated"}') is None


def test_every_poison_message_carries_a_marker():
    poison = faults.Poison(huge_bytes=1000)
    made = list(poison._poison("routing", "RequestRouted"))
    assert [what for what, _ in made] == ["not JSON", "wrong schema", "huge"]
    markers = {faults._marker_in(body) for _, body in made}
    assert len(markers) == 3 and all(m.startswith(POISON_TAG.decode()) for m in markers)
    assert len(made[2][1]) > 1000


def test_the_catalogue_covers_every_kind_the_issue_lists():
    rows = faults.catalogue(("streets", "watershed"), postgres=True)
    kinds = {f.kind for f in rows}
    assert kinds == {"kill -9", "RabbitMQ stopped and started", "connection reset service-broker",
                     "PostgreSQL unavailable", "department system down", "department system slow",
                     "department system erroring 50 %", "SMTP down", "SMS gateway down",
                     "poison and duplicate deliveries", "staff re-route while the first create is slow",
                     "events to intake in reversed order"}
    killed = [f.process for f in rows if isinstance(f, faults.KillProcess)]
    assert killed == ["intake", "routing", "workorders", "notifications", "metrics", "streets", "watershed"]
    assert "PostgreSQL unavailable" not in {f.kind for f in faults.catalogue(("streets",), postgres=False)}


def test_faults_are_chosen_by_words_and_one_per_kind():
    rows = faults.catalogue(("streets", "watershed"))
    assert [f.name for f in faults.pick(rows, ["watershed"])] == [
        "kill -9 watershed x3", "watershed down", "watershed slow", "watershed erroring 50 %",
        "re-route streets -> watershed while the create is slow"]
    assert faults.pick(rows, []) == rows
    chosen = faults.one_per_kind(rows)
    assert len(chosen) == len({f.kind for f in rows})
    assert chosen[0].name == "kill -9 intake x3"


def test_every_department_system_names_its_withdrawn_status():
    statuses = cancelled_statuses()
    assert set(statuses) == {"streets", "watershed", "solidwaste", "forestry", "transportation",
                             "codeenforcement"}
    assert statuses["streets"] == "CANCEL"


def test_programs_carry_only_what_their_environment_adds_and_the_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", "/root")
    env = {"HOME": "/root", "AMQP_URI": "amqp://node:1/"}
    processes = [Process("intake", ["nameko", "run"], env, "", tmp_path),
                 Process("routing", ["nameko", "run"], env, "", tmp_path)]
    intake, routing = programs_for(processes, env, tmp_path, {"routing": {"AMQP_URI": "amqp://proxy:2/"}})
    assert dict(intake.env) == {"AMQP_URI": "amqp://node:1/"}
    assert dict(routing.env) == {"AMQP_URI": "amqp://proxy:2/"}
    assert tuple(intake.argv) == ("nameko", "run")


def test_the_runs_broker_node_is_administered_as_itself_whatever_rabbitmqctl_the_tests_use(tmp_path, monkeypatch):
    """Under pytest RABBITMQCTL names the machine's broker (tests/conftest.py): the "RabbitMQ stopped" fault must
    still stop the run's own node, never the machine's."""
    monkeypatch.setenv("RABBITMQCTL", "rabbitmqctl")
    node = BrokerNode(tmp_path)
    own = str(tmp_path / "bin" / "rabbitmqctl")
    (tmp_path / broker.NODE_NOTE).write_text(json.dumps({"node": f"city311-{node.port}@localhost",
                                                          "port": node.port, "rabbitmqctl": own}))
    assert node.ctl() == [own, "-n", f"city311-{node.port}@localhost"]
    (tmp_path / broker.NODE_NOTE).unlink()
    with pytest.raises(RuntimeError, match="no node of this run's own"):
        node.ctl()
