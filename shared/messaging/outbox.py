"""Operators' view of a service's outbox: the events its relay parked after the broker kept refusing them.

A parked event holds back its request's later events (the relay keeps each request's events
in order, see relay.py). Once the cause is fixed (say, the queue that was missing is back),
release it: the relay tries it again at once, as if new, and its request's events follow.

    python -m shared.messaging.outbox --service intake list-parked
    python -m shared.messaging.outbox --service intake release ID [ID ...]

The database is the service's own, read from its configuration as the service reads it.
"""
import argparse
import json
import sys

from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker

from shared.config import SERVICES, load_service_config
from shared.persistence.engine import make_engine
from shared.persistence.tables import outbox

_later = outbox.alias("later")


def parked_count(session):
    """How many events of this service's outbox are parked, waiting for an operator."""
    return session.execute(select(func.count()).select_from(outbox).where(outbox.c.parked_at.is_not(None))
                           ).scalar_one()


def list_parked(session):
    """The parked events, oldest first, each with its reason and how many of its request's events wait behind it."""
    held_back = (select(func.count()).where(_later.c.correlation_id == outbox.c.correlation_id,
                                            _later.c.published_at.is_(None), _later.c.id > outbox.c.id)
                 .scalar_subquery())
    rows = session.execute(select(outbox.c.id, outbox.c.event_id, outbox.c.routing_key, outbox.c.correlation_id,
                                  outbox.c.created_at, outbox.c.parked_at, outbox.c.attempts, outbox.c.last_error,
                                  held_back.label("events_held_back"))
                           .where(outbox.c.parked_at.is_not(None)).order_by(outbox.c.id)).all()
    return [dict(row._mapping, created_at=row.created_at.isoformat(), parked_at=row.parked_at.isoformat())
            for row in rows]


def release(session, row_id):
    """Give a parked event back to the relay with a fresh count of attempts; False if it is not parked."""
    released = session.execute(update(outbox).where(outbox.c.id == row_id, outbox.c.parked_at.is_not(None))
                               .values(parked_at=None, next_attempt_at=None, attempts=0))
    session.commit()
    return released.rowcount == 1


def _parser():
    parser = argparse.ArgumentParser(prog="python -m shared.messaging.outbox",
                                     description="List and release the events a service's outbox relay parked.",
                                     epilog="A parked event holds back its request's later events. Release it once "
                                            "the cause is fixed (say, the missing queue is back): the relay sends "
                                            "it, then the events waiting behind it.")
    parser.add_argument("--service", choices=SERVICES, required=True, help="whose outbox")
    actions = parser.add_subparsers(dest="action", required=True, metavar="{list-parked,release}")
    actions.add_parser("list-parked", help="print the parked events as JSON, oldest first")
    release_parser = actions.add_parser("release", help="let the relay try parked events again")
    release_parser.add_argument("ids", type=int, nargs="+", metavar="ID", help="outbox row id (from list-parked)")
    return parser


def main(argv):
    args = _parser().parse_args(argv)
    engine = make_engine(load_service_config(args.service)["DATABASE_URL"])
    try:
        with sessionmaker(engine)() as session:
            if args.action == "list-parked":
                print(json.dumps(list_parked(session), indent=2))
                return 0
            not_parked = [row_id for row_id in args.ids if not release(session, row_id)]
    finally:
        engine.dispose()
    for row_id in sorted(set(args.ids) - set(not_parked)):
        print(f"released outbox row {row_id}")
    for row_id in not_parked:
        print(f"outbox row {row_id} is not parked (unknown, already released or published)", file=sys.stderr)
    return 1 if not_parked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
