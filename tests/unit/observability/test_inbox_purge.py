"""The inbox forgets processed event ids after its retention period, as the outbox forgets published events."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select
from sqlalchemy.orm import sessionmaker

from shared.messaging.relay import OutboxRelay
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.tables import inbox


def test_inbox_rows_older_than_the_retention_are_purged_and_younger_ones_kept(tmp_path):
    url = f"sqlite:///{tmp_path}/routing.sqlite"
    upgrade("routing", url)
    sessions = sessionmaker(make_engine(url))
    now = datetime.now(timezone.utc)
    with sessions() as session:
        session.execute(insert(inbox), [
            dict(consumer="routing.route_request", event_id="old", processed_at=now - timedelta(days=31)),
            dict(consumer="routing.route_request", event_id="recent", processed_at=now - timedelta(days=29)),
            dict(consumer="routing.reroute", event_id="just-now", processed_at=now)])
        session.commit()
    relay = OutboxRelay(sessions, "amqp://guest:guest@127.0.0.1:1/", "routing", inbox_retention=timedelta(days=30))
    assert relay.purge_inbox() == 1
    with sessions() as session:
        kept = set(session.execute(select(inbox.c.event_id)).scalars())
    assert kept == {"recent", "just-now"}
    assert relay.purge_inbox() == 0
