"""Compare our links with each legacy system's own state; report drift and, with --repair, mend it.

    python -m services.workorders.reconcile [--repair] [--system streets]

Drift kinds: `unlinked` (the system has a work order for a request we think has
none: a lost reply), `missing_in_legacy` (we hold a legacy id the system does
not know), `legacy_id_mismatch`, `unreachable`. Repairs go through the outbox
like any change, so the running services hear about them.
"""
import argparse
import json
import sys
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.workorders import links
from services.workorders.adapters import TransientError, build_client
from services.workorders.models import WorkOrderLink
from shared.config import load_service_config
from shared.persistence.engine import make_engine
from shared.persistence.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Drift:
    service_request_id: str
    system: str
    kind: str
    ours: str | None
    theirs: str | None
    repaired: bool = False


def compare(link, found):
    """The drift between one link and what its system says (None: they agree)."""
    theirs = found.legacy_id if found else None
    if link.state == "created" and found is None:
        return "missing_in_legacy"
    if link.state == "created" and theirs != link.legacy_id:
        return "legacy_id_mismatch"
    if link.state != "created" and found is not None:
        return "unlinked"
    return None


def repair(uow, link, kind, found):
    """Mend one drift; returns True when something changed."""
    if kind in ("unlinked", "legacy_id_mismatch"):
        links.confirm_created(uow, link.service_request_id, found, link.work_order_system,
                              replace=kind == "legacy_id_mismatch")
        return True
    if kind == "missing_in_legacy":   # hand it to the resend loop, which looks up before creating
        stored = links.locked(uow, link.service_request_id)
        stored.state, stored.failure_permanent, stored.legacy_id = "failed", False, None
        return True
    return False


def reconcile(session_factory, clients, fix=False):
    """Every link of the given systems checked against its system."""
    drifts = []
    with session_factory() as session:
        rows = session.execute(select(WorkOrderLink).where(
            WorkOrderLink.work_order_system.in_(list(clients)), WorkOrderLink.state != "cancelled")).scalars().all()
    for link in rows:
        drifts.extend(_check(session_factory, clients[link.work_order_system], link, fix))
    return drifts


def _check(session_factory, client, link, fix):
    try:
        found = client.find_by_reference(link.service_request_id)
    except TransientError as exc:
        return [Drift(link.service_request_id, link.work_order_system, "unreachable", link.legacy_id, str(exc))]
    kind = compare(link, found)
    if kind is None:
        return []
    repaired = False
    if fix:
        with UnitOfWork(session_factory, "workorders") as uow:
            repaired = repair(uow, link, kind, found)
    return [Drift(link.service_request_id, link.work_order_system, kind, link.legacy_id,
                  found.legacy_id if found else None, repaired)]


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m services.workorders.reconcile")
    parser.add_argument("--repair", action="store_true", help="mend what can be mended")
    parser.add_argument("--system", action="append", help="only these systems (default: all configured)")
    args = parser.parse_args(argv)
    settings = load_service_config("workorders")
    names = args.system or settings.get("WORK_ORDER_SYSTEMS") or []
    sessions = sessionmaker(make_engine(settings["DATABASE_URL"]), expire_on_commit=False)
    clients = {name: build_client(name, {"journal_database_url": settings["DATABASE_URL"]}) for name in names}
    drifts = reconcile(sessions, clients, args.repair)
    for drift in drifts:
        print(json.dumps(asdict(drift)))
    print(f"{len(drifts)} drift(s) found, {sum(d.repaired for d in drifts)} repaired", file=sys.stderr)
    return 1 if any(not d.repaired for d in drifts) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
