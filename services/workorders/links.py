"""The adapter's bookkeeping, one function per step, each inside the caller's unit of work.

Creating a work order spans a network call we cannot roll back, so it is split:
`claim_link` (our intent, committed first) → the legacy call, outside any
transaction → `confirm_created`. A crash between the call and the confirm is
healed by the retry looking the work order up by our tracking id first.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from services.workorders.adapters.base import WorkOrderRequest
from services.workorders.models import AppliedUpdate, SyncCursor, WorkOrderLink

REQUEST_FIELDS = ("service_request_id", "service_code", "description", "address", "lat", "long", "priority")


@dataclass(frozen=True)
class Pending:
    """A work order to create now; `previous` is the (system, legacy id) a re-route leaves behind."""
    system: str
    request: WorkOrderRequest
    previous: tuple | None = None


def _now():
    return datetime.now(timezone.utc)


def _aware(value):
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def _request(link):
    return WorkOrderRequest(**{**link.request, "description": link.request.get("description") or ""})


def claim_link(uow, event):
    """Record the intent to create this request's work order; None when there is nothing to do.

    Nothing to do: it already has its work order in that system, it failed for
    good, or the event is older than the routing decision already applied (a
    late redelivery must not undo a re-route).
    """
    data, routed_at = event["data"], datetime.fromisoformat(event["occurred_at"])
    link = uow.session.get(WorkOrderLink, data["service_request_id"])
    request = {key: data.get(key) for key in REQUEST_FIELDS}
    if link is None:
        link = WorkOrderLink(service_request_id=data["service_request_id"], work_order_system=data["work_order_system"],
                             state="pending", request=request, attempts=0, failure_permanent=False,
                             routed_at=routed_at, created_at=_now(), updated_at=_now())
        uow.session.add(link)
        return Pending(link.work_order_system, _request(link))
    if _aware(link.routed_at) and routed_at < _aware(link.routed_at):
        return None
    if link.work_order_system != data["work_order_system"]:
        return _reroute(link, data, request, routed_at)
    link.routed_at = routed_at
    return Pending(link.work_order_system, _request(link)) if link.state == "pending" else None


def _reroute(link, data, request, routed_at):
    previous = (link.work_order_system, link.legacy_id) if link.legacy_id else None
    link.previous_system, link.previous_legacy_id = previous or (None, None)
    link.work_order_system, link.request, link.routed_at = data["work_order_system"], request, routed_at
    link.state, link.legacy_id, link.attempts, link.status = "pending", None, 0, None
    link.updated_at = _now()
    return Pending(link.work_order_system, _request(link), previous)


def confirm_created(uow, service_request_id, legacy):
    """The legacy system has the work order: link it and tell everyone, once."""
    link = uow.session.get(WorkOrderLink, service_request_id)
    if link.state == "created" and link.legacy_id == legacy.legacy_id:
        return
    link.state, link.legacy_id, link.legacy_status = "created", legacy.legacy_id, legacy.legacy_status
    link.failure_permanent, link.updated_at = False, _now()
    uow.publish("WorkOrderCreated", {
        "service_request_id": link.service_request_id, "work_order_system": link.work_order_system,
        "legacy_id": legacy.legacy_id, "created_at": link.updated_at.isoformat()},
        correlation_id=link.service_request_id)


def record_failure(uow, service_request_id, reason, budget, permanent):
    """Count a failed attempt; past the budget (or a rejection) the link fails and WorkOrderFailed goes out.

    Returns True when the failure is final for this message.
    """
    link = uow.session.get(WorkOrderLink, service_request_id)
    link.attempts += 1
    link.last_error, link.updated_at = reason[:2000], _now()
    final = permanent or link.attempts >= budget
    if final and link.state != "failed":
        link.state, link.failure_permanent = "failed", permanent
        uow.publish("WorkOrderFailed", {
            "service_request_id": service_request_id, "work_order_system": link.work_order_system,
            "reason": reason[:2000], "attempts": link.attempts, "permanent": permanent},
            correlation_id=service_request_id)
    return final


def resendable(uow, limit=50):
    """Links that failed for a transient reason: sent again once their system answers."""
    rows = uow.session.execute(select(WorkOrderLink).where(
        WorkOrderLink.state == "failed", WorkOrderLink.failure_permanent.is_(False))
        .order_by(WorkOrderLink.updated_at).limit(limit)).scalars()
    return [Pending(link.work_order_system, _request(link)) for link in rows]


def mark_rejected(uow, service_request_id, reason):
    """A resend the system refused outright: stop resending; staff decide from the triage list."""
    link = uow.session.get(WorkOrderLink, service_request_id)
    link.failure_permanent, link.last_error, link.updated_at = True, reason[:2000], _now()


def read_cursor(uow, system):
    row = uow.session.get(SyncCursor, system)
    return row.cursor if row else None


def apply_changes(uow, system, changes, cursor):
    """Publish each status change once, oldest first, never letting an old one overwrite a newer one."""
    for change in sorted(changes, key=lambda c: c.changed_at):
        apply_change(uow, system, change)
    row = uow.session.get(SyncCursor, system) or SyncCursor(work_order_system=system)
    row.cursor, row.updated_at = cursor, _now()
    uow.session.add(row)


def apply_change(uow, system, change):
    """One status change (from polling or a webhook), applied at most once."""
    if uow.session.get(AppliedUpdate, change.change_id):
        return
    uow.session.add(AppliedUpdate(update_id=change.change_id,
                                  service_request_id=change.external_reference, applied_at=_now()))
    link = uow.session.get(WorkOrderLink, change.external_reference)
    if link is None or link.legacy_id != change.legacy_id or _superseded(link, change):
        return  # not ours, a work order left behind by a re-route, or older than what we have
    link.status, link.legacy_status = change.status, change.legacy_status
    link.status_changed_at, link.updated_at = change.changed_at, _now()
    _publish_change(uow, system, link, change)


def _superseded(link, change):
    """Older than what we applied, or a closed order moving back without a reopen."""
    last = _aware(link.status_changed_at)
    if last is not None and change.changed_at < last:
        return True
    return link.status == "closed" and change.status not in ("closed", "reopened")


def _publish_change(uow, system, link, change):
    data = {"service_request_id": link.service_request_id, "work_order_system": system,
            "legacy_id": change.legacy_id, "update_id": change.change_id, "status": change.status,
            "legacy_status": change.legacy_status, "note": None, "changed_at": change.changed_at.isoformat()}
    if change.status == "closed":
        uow.publish("WorkOrderClosed", dict(data, resolution=change.resolution or "Work completed",
                                            resolution_code=change.legacy_status),
                    correlation_id=link.service_request_id)
    else:
        uow.publish("WorkOrderUpdated", data, correlation_id=link.service_request_id)
