"""Rows created on a request's first event, when two transactions meet that request at the same moment.

Notifications' request row and metrics' request fact are created by whichever handler sees the
request first and then changed under a row lock. Real SQLite and PostgreSQL, real concurrent
transactions: neither may fail (a failure costs a retry round trip) nor lose the other's change.
"""
from datetime import datetime, timezone

from services.metrics.facts import _fact
from services.notifications.audience import lock_request
from tests.support.interleaving import Interleaving


def _first_use_race(uow_factory, take, first_change, second_change):
    """The first transaction takes the new row and holds it while the second takes it too; both change it."""
    race = Interleaving()

    def first():
        with uow_factory() as uow:
            row = take(uow)
            race.pause()
            first_change(row)

    def second():
        with uow_factory() as uow:
            second_change(take(uow))
    assert race.run(first, second) == []


def test_notifications_request_row_first_seen_by_two_handlers_at_once(service_databases):
    notifications = service_databases("notifications")
    now = datetime.now(timezone.utc)
    _first_use_race(notifications, lambda uow: lock_request(uow.session, "26-0000555", now),
                    lambda row: setattr(row, "stage", "routed"), lambda row: setattr(row, "priority", "high"))
    with notifications() as uow:
        row = lock_request(uow.session, "26-0000555", now)
        assert (row.stage, row.priority) == ("routed", "high")


def test_metrics_fact_first_seen_by_two_folds_at_once(service_databases):
    metrics = service_databases("metrics")
    _first_use_race(metrics, lambda uow: _fact(uow, "26-0000556"),
                    lambda fact: setattr(fact, "notifications_sent", fact.notifications_sent + 1),
                    lambda fact: setattr(fact, "notifications_failed", fact.notifications_failed + 1))
    with metrics() as uow:
        fact = _fact(uow, "26-0000556")
        assert (fact.notifications_sent, fact.notifications_failed) == (1, 1)
