"""The direct-events journal in the workorders database: what one instance sent or took, every instance finds.

Real SQLite and PostgreSQL. Two workorders instances (on two hosts: each works in a folder of its own, as a host
has its own disk) build their direct-streets clients from the service's DATABASE_URL, as the LegacySystems
dependency does; the city's broker is not needed for the journal.
"""
from contextlib import contextmanager
from sqlalchemy import text

from services.workorders.adapters import build_client
from services.workorders.adapters.direct_journal import StatusReport

REPORT = StatusReport("upd-1", "PW-STREETS:26-0000901:1", "26-0000901", "in_progress",
                      "2026-12-07T09:30:00+00:00", None)


def _instance(system, database_url):
    return build_client(system, {"journal_database_url": database_url,
                                 "amqp_uri": "amqp://guest:guest@127.0.0.1:1/"})


@contextmanager
def on_host(monkeypatch, folder):
    """Work in `folder`, the host's own disk (var/ and any relative path resolve there)."""
    folder.mkdir(exist_ok=True)
    with monkeypatch.context() as host:
        host.chdir(folder)
        yield


def _url(workorders):
    with workorders() as uow:
        return uow.session.get_bind().url.render_as_string(hide_password=False)


def test_a_work_order_one_instance_sent_is_found_and_cancelled_by_another(service_databases, monkeypatch, tmp_path):
    workorders = service_databases("workorders")
    first, second = (_instance("direct-streets", _url(workorders))._journal for _ in range(2))

    with on_host(monkeypatch, tmp_path / "host-a"):
        first.record_order("PW-STREETS:26-0000901:1", "26-0000901", 1)
    with on_host(monkeypatch, tmp_path / "host-b"):
        assert second.open_order("26-0000901") == "PW-STREETS:26-0000901:1"
        assert second.last_generation("26-0000901") == 1
        assert second.reference_of("PW-STREETS:26-0000901:1") == "26-0000901"
        second.record_order("PW-STREETS:26-0000901:1", "26-0000901", 1)   # a resend journalled again: kept once
        second.set_state("PW-STREETS:26-0000901:1", "cancelled")
    with on_host(monkeypatch, tmp_path / "host-a"):
        assert first.open_order("26-0000901") is None
    with workorders() as uow:
        kept = uow.session.execute(text("SELECT system, work_order_id, state FROM direct_work_orders")).all()
    assert kept == [("direct-streets", "PW-STREETS:26-0000901:1", "cancelled")]


def test_a_status_report_one_instance_took_off_the_queue_is_read_by_another_once(service_databases, monkeypatch,
                                                                                tmp_path):
    workorders = service_databases("workorders")
    first, second = (_instance("direct-streets", _url(workorders))._journal for _ in range(2))

    with on_host(monkeypatch, tmp_path / "host-a"):
        first.record_report(REPORT)
        journal = first.identity()
    with on_host(monkeypatch, tmp_path / "host-b"):
        second.record_report(REPORT)   # the same update seen twice is kept once
        [(seq, kept)] = second.reports_after(0, 10)
        assert kept == REPORT and second.reports_after(seq, 10) == []
        assert second.identity() == journal   # a cursor of one instance's fetch is good on the other
    with workorders() as uow:
        assert uow.session.execute(text("SELECT system, update_id FROM direct_status_reports")).all() \
            == [("direct-streets", "upd-1")]


def test_each_system_on_direct_events_keeps_its_own_journal(service_databases):
    url = _url(service_databases("workorders"))
    streets, watershed = _instance("direct-streets", url)._journal, _instance("direct-watershed", url)._journal

    streets.record_order("PW-STREETS:26-0000901:1", "26-0000901", 1)
    streets.record_report(REPORT)

    assert watershed.open_order("26-0000901") is None and watershed.reports_after(0, 10) == []
    assert watershed.identity() != streets.identity()
