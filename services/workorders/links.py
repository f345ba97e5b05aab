"""The adapter's bookkeeping, one function per step, each inside the caller's unit of work.

Creating a work order spans a network call we cannot roll back, so it is split:
`claim_link` (our intent, committed first) → the legacy call, outside any
transaction → `confirm_created`. A crash between the call and the confirm is
healed by the retry looking the work order up by our tracking id first.
"""
from datetime import datetime, timezone

from services.workorders.adapters.base import WorkOrderRequest
from services.workorders.models import AppliedUpdate, SyncCursor, WorkOrderLink

CONSUMER = "workorders"


def _now():
    return datetime.now(timezone.utc)


def _aware(value):
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def claim_link(uow, event):
    """Record that this request needs a work order; None when it already has one (or failed for good)."""
    data = event["data"]
    link = uow.session.get(WorkOrderLink, data["service_request_id"])
    if link is None:
        request = {key: data.get(key) for key in ("service_request_id", "service_code", "description",
                                                   "address", "lat", "long", "priority")}
        link = WorkOrderLink(service_request_id=data["service_request_id"],
                             work_order_system=data["work_order_system"], state="pending",
                             request=request, attempts=0, created_at=_now(), updated_at=_now())
        uow.session.add(link)
    if link.state != "pending":
        return None
    return link.work_order_system, WorkOrderRequest(**{**link.request, "description": link.request["description"] or ""})


def confirm_created(uow, event, legacy):
    """The legacy system has the work order: link it and tell everyone, once."""
    link = uow.session.get(WorkOrderLink, event["data"]["service_request_id"])
    if link.state == "created":
        return
    link.state, link.legacy_id, link.legacy_status = "created", legacy.legacy_id, legacy.legacy_status
    link.updated_at = _now()
    uow.publish("WorkOrderCreated", {
        "service_request_id": link.service_request_id, "work_order_system": link.work_order_system,
        "legacy_id": legacy.legacy_id, "created_at": link.updated_at.isoformat()},
        correlation_id=link.service_request_id)


def record_failure(uow, service_request_id, reason, budget, permanent):
    """Count a failed attempt; past the budget (or a rejection) the link fails and WorkOrderFailed goes out.

    Returns True when the failure is final.
    """
    link = uow.session.get(WorkOrderLink, service_request_id)
    link.attempts += 1
    link.last_error, link.updated_at = reason[:2000], _now()
    final = permanent or link.attempts >= budget
    if final:
        link.state = "failed"
        uow.publish("WorkOrderFailed", {
            "service_request_id": service_request_id, "work_order_system": link.work_order_system,
            "reason": reason[:2000], "attempts": link.attempts, "permanent": permanent},
            correlation_id=service_request_id)
    return final


def read_cursor(uow, system):
    row = uow.session.get(SyncCursor, system)
    return row.cursor if row else None


def apply_changes(uow, system, changes, cursor):
    """Publish each status change once, oldest first, never letting an old one overwrite a newer one."""
    for change in sorted(changes, key=lambda c: c.changed_at):
        if uow.session.get(AppliedUpdate, change.change_id):
            continue
        uow.session.add(AppliedUpdate(update_id=change.change_id,
                                      service_request_id=change.external_reference, applied_at=_now()))
        link = uow.session.get(WorkOrderLink, change.external_reference)
        if link is None or _superseded(link, change):
            continue
        link.status, link.legacy_status = change.status, change.legacy_status
        link.status_changed_at, link.updated_at = change.changed_at, _now()
        _publish_change(uow, system, link, change)
    row = uow.session.get(SyncCursor, system) or SyncCursor(work_order_system=system)
    row.cursor, row.updated_at = cursor, _now()
    uow.session.add(row)


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
