"""Several metrics instances on one database: one measures message per period goes on the stream, not one each.

Real SQLite and PostgreSQL; each instance is the publishing code with its own process memory.
"""
from datetime import datetime, timedelta, timezone

from nameko.testing.services import worker_factory

from services.metrics import stream
from services.metrics.models import MeasuresPeriod
from services.metrics.geography import Geography
from services.metrics.service import MetricsService
from tests.support.interleaving import Interleaving
from tests.unit.metrics.timed_events import at, timed
from tests.unit.services.conftest import outbox_events


def _instance(metrics):
    return worker_factory(MetricsService, uow=metrics, geography=Geography())


def _measures(metrics):
    return [message for message in outbox_events(metrics) if message["kind"] == "measures"]


def test_two_instances_put_one_measures_message_on_the_stream_not_one_each(service_databases):
    metrics = service_databases("metrics")
    first, second = _instance(metrics), _instance(metrics)
    first.on_request_created([timed("RequestCreated", 0, "26-0000701", requested_at=at(0))])

    first.emit_measures()
    second.emit_measures()
    assert len(_measures(metrics)) == 1, "the second instance repeated the first one's update"


def test_an_update_is_repeated_by_no_instance_until_the_facts_change_and_a_new_period_begins(service_databases):
    metrics = service_databases("metrics")
    minute = [datetime(2026, 12, 8, 9, m, 15, tzinfo=timezone.utc) for m in range(4)]
    with metrics() as uow:
        assert stream.claim_measures(uow.session, minute[0], 60, "facts A")
    with metrics() as uow:   # another instance, same period, facts changed meanwhile: next period's update
        assert not stream.claim_measures(uow.session, minute[0].replace(second=50), 60, "facts B")
    with metrics() as uow:   # another instance, later, nothing changed since the last update
        assert not stream.claim_measures(uow.session, minute[1], 60, "facts A")
    with metrics() as uow:
        assert stream.claim_measures(uow.session, minute[2], 60, "facts B")


def test_two_instances_claiming_one_period_at_the_same_moment_leave_it_to_one(service_databases):
    metrics = service_databases("metrics")
    now, race, claims = datetime(2026, 12, 8, 9, 30, 15, tzinfo=timezone.utc), Interleaving(), []

    def claim(pause=lambda: None):
        with metrics() as uow:
            claims.append(stream.claim_measures(uow.session, now, 60, "facts changed"))
            pause()
    assert race.run(lambda: claim(race.pause), claim) == []

    assert sorted(claims) == [False, True]
    assert race.second_ran_during_pause is False, "the second waited for the first's claim to commit"


def test_a_period_given_back_by_a_rollback_is_claimed_again(service_databases):
    metrics = service_databases("metrics")
    now = datetime(2026, 12, 8, 9, 30, 15, tzinfo=timezone.utc)
    uow = metrics()
    with uow:
        assert stream.claim_measures(uow.session, now, 60, "facts changed")
        uow.session.rollback()
    with metrics() as uow:
        assert stream.claim_measures(uow.session, now, 60, "facts changed")


def test_periods_older_than_a_day_are_forgotten_when_a_new_one_is_claimed(service_databases):
    metrics = service_databases("metrics")
    start = datetime(2026, 12, 8, 9, 0, 15, tzinfo=timezone.utc)
    for hours, facts in ((0, "facts A"), (12, "facts B"), (25, "facts C")):
        with metrics() as uow:
            assert stream.claim_measures(uow.session, start + timedelta(hours=hours), 60, facts)
    with metrics() as uow:
        kept = sorted(row.facts_marker for row in uow.session.query(MeasuresPeriod))
    assert kept == ["facts B", "facts C"]
