"""Unit-test fixtures: a migrated SQLite database per test and events built from the catalog examples."""
import json
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from shared.events import new_event
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.unit_of_work import UnitOfWork

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "events" / "examples"


@pytest.fixture
def unit_of_work(tmp_path):
    """`unit_of_work(service)` → a factory of units of work on that service's freshly migrated database."""
    def make(service):
        url = f"sqlite:///{tmp_path}/{service}.sqlite"
        upgrade(service, url)
        sessions = sessionmaker(make_engine(url), expire_on_commit=False)
        return lambda: UnitOfWork(sessions, service)
    return make


def event(event_type, correlation_id="26-0000123", **changes):
    """A valid event of `event_type`, from its catalog example with `changes` applied to its data."""
    data = json.loads((EXAMPLES / f"{event_type}.v1.json").read_text())
    data.update(changes)
    return new_event(event_type, data, correlation_id, _producer(event_type))


def _producer(event_type):
    if event_type.startswith("WorkOrder"):
        return "workorders"
    if event_type in ("RequestRouted", "RequestDuplicateDetected", "RequestNeedsTriage", "RequestReopened"):
        return "routing"
    if event_type in ("NotificationSent", "NotificationFailed", "SurveyResponded"):
        return "notifications"
    return "intake"


def outbox_events(uow_factory):
    """Events a service recorded in its outbox, in order."""
    from sqlalchemy import select
    from shared.persistence.tables import outbox
    with uow_factory() as uow:
        rows = uow.session.execute(select(outbox.c.payload).order_by(outbox.c.id)).scalars().all()
    return [json.loads(p) for p in rows]
