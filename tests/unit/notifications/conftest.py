"""Notifications unit fixtures: a migrated SQLite database, settings with a fixed clock, events from examples."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.notifications.models import Delivery
from services.notifications.settings import load_settings
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.unit_of_work import UnitOfWork
from tests.unit.services.conftest import event, outbox_events  # noqa: F401  (re-exported for the tests)

# A weekday noon in the sample city (America/New_York): outside quiet hours.
NOON = datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc)
BASE_CONFIG = {"JURISDICTION_DIR": "deploy/jurisdictions/sample", "SECRET_KEY": "test-secret",
               "TRACKING_BASE_URL": "http://track.test", "PUBLIC_BASE_URL": "http://notify.test",
               "QUIET_HOURS": "21:00-08:00", "RATE_LIMIT_MAX": 3, "RATE_LIMIT_WINDOW_SECONDS": 3600,
               "RETRY_BACKOFF_SECONDS": 10, "RETRY_BACKOFF_MAX_SECONDS": 600, "DELIVERY_MAX_ATTEMPTS": 4,
               "SURVEY_DELAY_SECONDS": 3600}


@pytest.fixture
def uow(tmp_path):
    """A factory of units of work on a freshly migrated notifications database."""
    url = f"sqlite:///{tmp_path}/notifications.sqlite"
    upgrade("notifications", url)
    sessions = sessionmaker(make_engine(url), expire_on_commit=False)
    return lambda: UnitOfWork(sessions, "notifications")


@pytest.fixture
def settings():
    return load_settings(BASE_CONFIG)


def make_settings(**changes):
    return load_settings({**BASE_CONFIG, **changes})


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now=NOON):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


def deliveries(uow_factory, **filters):
    with uow_factory() as uow:
        query = select(Delivery).order_by(Delivery.created_at, Delivery.delivery_id)
        for name, value in filters.items():
            query = query.where(getattr(Delivery, name) == value)
        return uow.session.execute(query).scalars().all()


def published(uow_factory, event_type):
    return [e for e in outbox_events(uow_factory) if e["event_type"] == event_type]
