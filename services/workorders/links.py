"""The adapter's bookkeeping, one function per step, each inside the caller's unit of work.

Creating a work order spans a network call we cannot roll back, so it is split:
`claim_link` (our intent, committed first) → the legacy call, outside any
transaction → `confirm_created`. A crash between the call and the confirm is
healed by the retry looking the work order up by our tracking id first.

Several workorders processes may run as competing consumers, and the same
RequestRouted can reach two of them (a redelivery, a relay publishing twice).
So whoever is about to call the legacy system first takes the link's lease
(a conditional UPDATE: exactly one transaction wins); the others leave the
request alone. A lease left by a process that died runs out, and the resend
timer takes the request up again — looking it up before creating, as always.

A re-route that arrives while another process holds the lease is not lost: the
newer routing decision is recorded on the link at once ("wanted"), and whoever
holds the lease applies it when it lets go (`hand_over`). A re-route leaves the
old department's work order behind; its cancel is recorded in the same
transaction (`WorkOrderCancel`, with a lease of its own) and asked of the old
system until it confirms or refuses, whoever dies in between. When the old
system never told us its work order's id (the create timed out, or its process
died mid-call) the create may still have landed there: the cancel is then
recorded by our tracking number (`BY_REFERENCE`), looked up in the old system
until it shows up or until a create could no longer land, and cancelled if found.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import structlog
from sqlalchemy import or_, select, update

from services.workorders.adapters.base import LegacyWorkOrder, WorkOrderRequest
from services.workorders.models import AppliedUpdate, SyncCursor, WorkOrderCancel, WorkOrderLink

log = structlog.get_logger("city311.workorders")

REQUEST_FIELDS = ("service_request_id", "service_code", "description", "address", "lat", "long", "priority")
BY_REFERENCE = "ref:"   # a cancel's legacy_id when only our tracking number is known: "ref:26-0000123"


@dataclass(frozen=True)
class Cancel:
    """A work order a re-route left behind: `legacy_id` in `system`, to cancel there."""
    service_request_id: str
    system: str
    legacy_id: str


@dataclass(frozen=True)
class Pending:
    """A work order to create now; `previous` is the work order a re-route leaves behind, to cancel now."""
    system: str
    request: WorkOrderRequest
    previous: Cancel | None = None


def _now():
    return datetime.now(timezone.utc)


def _aware(value):
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def locked(uow, service_request_id):
    """The link, row-locked until this transaction ends (PostgreSQL; SQLite's writers take turns anyway).

    Every step that reads a link's state and then changes it takes the lock first: the create confirming,
    the status poll adopting the same work order, a resend that found it, each decide from what the one
    before them committed (without it, two of them could each see "pending" and both announce it).
    """
    return uow.session.get(WorkOrderLink, service_request_id, with_for_update=True)


def _request(link):
    return WorkOrderRequest(**{**link.request, "description": link.request.get("description") or ""})


def claim_link(uow, event, lease_seconds):
    """Record the intent to create this request's work order, and take its lease; None when there is nothing to do.

    Nothing to do now: it already has its work order in that system, it failed for
    good, the event is older than the routing decision already applied or waiting
    (a late redelivery must not undo a re-route), or another process holds the lease
    (it is creating the work order now, or died and the resend timer will finish);
    then this decision waits on the link for the holder to apply (`hand_over`).
    """
    data, routed_at = event["data"], datetime.fromisoformat(event["occurred_at"])
    link = locked(uow, data["service_request_id"])
    request = {key: data.get(key) for key in REQUEST_FIELDS}
    request["description"] = work_description(data)
    if link is None:  # a concurrent insert of the same request fails on the primary key, and is retried
        link = WorkOrderLink(service_request_id=data["service_request_id"], work_order_system=data["work_order_system"],
                             state="pending", request=request, attempts=0, failure_permanent=False,
                             routed_at=routed_at, lease_until=_now() + timedelta(seconds=lease_seconds),
                             created_at=_now(), updated_at=_now())
        uow.session.add(link)
        return Pending(link.work_order_system, _request(link))
    if _older_than_decided(link, routed_at):
        return None
    rerouted = link.work_order_system != data["work_order_system"]
    if not (rerouted or link.state == "pending"):
        _forget_wanted(link)  # the newest decision keeps the work order where it is
        link.routed_at = routed_at
        return None
    if not take_lease(uow, link.service_request_id, lease_seconds):
        _wait_for_the_holder(link, data["work_order_system"], request, routed_at)
        return None
    _forget_wanted(link)  # this decision is newer than one left waiting by a holder that died
    if rerouted:
        return _reroute(uow, link, data["work_order_system"], request, routed_at, lease_seconds)
    link.routed_at = routed_at
    return Pending(link.work_order_system, _request(link))


def _older_than_decided(link, routed_at):
    """Older than the routing decision applied, or than the one waiting for the lease."""
    decided = [at for at in (_aware(link.routed_at), _aware(link.wanted_routed_at)) if at is not None]
    return bool(decided) and routed_at < max(decided)


def _wait_for_the_holder(link, system, request, routed_at):
    link.wanted_system, link.wanted_request, link.wanted_routed_at = system, request, routed_at
    link.updated_at = _now()


def _forget_wanted(link):
    link.wanted_system, link.wanted_request, link.wanted_routed_at = None, None, None


def hand_over(uow, service_request_id, create_may_have_landed=True):
    """The lease holder is done: apply the routing decision that waited for it; True when it moved the request.

    The holder gives up the lease at once and leaves the create in the new system to the resend
    timer (which looks it up first, as always), and the old work order's cancel to the cancel timer.
    Call it in the same transaction as the step that ends the holder's call (confirm, failure, release);
    `create_may_have_landed` is False only when the old system refused the create outright.
    """
    link = locked(uow, service_request_id)
    if link is None or link.wanted_system is None:
        return False
    system, request, routed_at = link.wanted_system, link.wanted_request, _aware(link.wanted_routed_at)
    _forget_wanted(link)
    link.routed_at = routed_at
    if system == link.work_order_system:
        return False
    _reroute(uow, link, system, request, routed_at, cancel_lease_seconds=None,
             create_may_have_landed=create_may_have_landed)
    link.lease_until = _now()  # already run out: the resend timer takes the request up
    return True


def take_lease(uow, service_request_id, seconds):
    """True when this transaction now holds the request's lease (nobody held it, or it ran out)."""
    return _take(uow, WorkOrderLink, [WorkOrderLink.service_request_id == service_request_id], seconds)


def _take(uow, model, rows, seconds):
    """A conditional UPDATE of `model`'s lease: exactly one transaction wins it."""
    now = _now()
    taken = uow.session.execute(
        update(model).where(*rows, or_(model.lease_until.is_(None), model.lease_until < now))
        .values(lease_until=now + timedelta(seconds=seconds)).execution_options(synchronize_session=False))
    return taken.rowcount == 1


def release(uow, service_request_id):
    """Give the lease back (the legacy call ended without a result to record)."""
    uow.session.execute(update(WorkOrderLink).where(WorkOrderLink.service_request_id == service_request_id)
                        .values(lease_until=None).execution_options(synchronize_session=False))
    hand_over(uow, service_request_id)


def work_description(data):
    """What the crew reads: the resident's words, else the service and its answers (Open311 makes them optional)."""
    answers = "; ".join(f"{code}: {', '.join(v) if isinstance(v, list) else v}"
                        for code, v in sorted((data.get("attributes") or {}).items()))
    told = (data.get("description") or "").strip()
    what = told or f"{data.get('service_name') or data['service_code']} reported to 311."
    return f"{what}\n\nAnswers: {answers}" if answers else what


def _reroute(uow, link, system, request, routed_at, cancel_lease_seconds, create_may_have_landed=True):
    if link.legacy_id:
        previous = _leave_behind(uow, link, cancel_lease_seconds)
    elif create_may_have_landed and not link.failure_permanent:   # asked, no answer: look it up and cancel it
        previous = _leave_behind(uow, link, cancel_lease_seconds, f"{BY_REFERENCE}{link.service_request_id}")
    else:
        previous = None
    link.previous_system, link.previous_legacy_id = (previous.system, previous.legacy_id) if previous else (None, None)
    link.work_order_system, link.request, link.routed_at = system, request, routed_at
    link.state, link.legacy_id, link.attempts, link.status = "pending", None, 0, None
    link.failure_permanent, link.updated_at = False, _now()
    return Pending(link.work_order_system, _request(link), previous)


def _leave_behind(uow, link, lease_seconds, legacy_id=None):
    """Record the cancel of the link's work order, leased to the caller when it cancels it now."""
    lease = _now() + timedelta(seconds=lease_seconds) if lease_seconds else None
    return _record_cancel(uow, link.service_request_id, link.work_order_system, legacy_id or link.legacy_id, lease)


def _record_cancel(uow, service_request_id, system, legacy_id, lease_until=None):
    """A work order to cancel in `system`: asked now by the lease holder, else by the cancel timer."""
    uow.session.merge(WorkOrderCancel(
        work_order_system=system, legacy_id=legacy_id, service_request_id=service_request_id, attempts=0,
        last_error=None, cancelled_at=None, refusal=None, lease_until=lease_until, requested_at=_now(),
        updated_at=_now()))
    return Cancel(service_request_id, system, legacy_id)


def confirm_created(uow, service_request_id, legacy, system, replace=False):
    """`system` made the work order: link it and tell everyone, once.

    A create can outlive its lease when the system answers slower than its timeouts promise: the resend
    timer, or a re-route, then took the request over. The work order such a create made is not linked
    if the request has meanwhile left `system`, or another work order was linked first: it is recorded
    for cancelling there instead (never announced), so the request keeps exactly one. `replace` re-links
    a created request to `legacy` (reconcile's repair of a mismatch).
    """
    link = locked(uow, service_request_id)
    if link.state == "created" and link.legacy_id == legacy.legacy_id:
        return
    if link.work_order_system != system or (link.state == "created" and not replace):
        _outlived_lease(uow, link, system, legacy)
        return
    link.state, link.legacy_id, link.legacy_status = "created", legacy.legacy_id, legacy.legacy_status
    link.failure_permanent, link.updated_at, link.lease_until = False, _now(), None
    uow.publish("WorkOrderCreated", {
        "service_request_id": link.service_request_id, "work_order_system": link.work_order_system,
        "legacy_id": legacy.legacy_id, "created_at": link.updated_at.isoformat()},
        correlation_id=link.service_request_id)


def _outlived_lease(uow, link, system, legacy):
    log.warning("a create outlived its lease and made a second work order; it is cancelled "
                "(LEASE_SECONDS should exceed the department system's timeouts)",
                service_request_id=link.service_request_id, system=system, legacy_id=legacy.legacy_id,
                linked_system=link.work_order_system, linked_legacy_id=link.legacy_id)
    _record_cancel(uow, link.service_request_id, system, legacy.legacy_id)


@dataclass(frozen=True)
class Reopen:
    """A closed work order to reopen in `system` (or to follow with a new one there), for one RequestReopened."""
    service_request_id: str
    system: str
    legacy_id: str
    reason: str
    reopen_id: str           # the RequestReopened's event id: the same for its redeliveries
    reopened_at: datetime
    request: WorkOrderRequest


class ReopenNotReady(Exception):
    """Another process is talking to the request's system now: the reopen is retried (redelivered) later."""


def _reopen_update_id(reopen_id):
    return f"reopen:{reopen_id}"


def claim_reopen(uow, event, lease_seconds):
    """The reopen to ask for, with the link's lease taken; None when there is nothing to ask (done already: the
    reopen was recorded, or the request has no work order here to reopen).

    Exactly once per reopen: the system is asked only by the lease holder, and `confirm_reopened` records the
    reopen (in applied_updates) in the same transaction as its WorkOrderUpdated; a redelivery after that finds
    it recorded. A process dying between the call and the record leaves the reopen to its redelivery, which
    asks again with the same `reopen_id` (the systems reopen a work order asked twice once)."""
    data = event["data"]
    if uow.session.get(AppliedUpdate, _reopen_update_id(event["event_id"])):
        return None
    link = locked(uow, data["service_request_id"])
    if link is None or link.state != "created" or link.legacy_id is None:
        log.warning("a reopened request has no work order here to reopen", service_request_id=data["service_request_id"],
                    state=link.state if link else None)
        return None
    if not take_lease(uow, link.service_request_id, lease_seconds):
        raise ReopenNotReady(f"{link.service_request_id}: another process holds the work order's lease")
    return Reopen(link.service_request_id, link.work_order_system, link.legacy_id, data["reason"], event["event_id"],
                  datetime.fromisoformat(data["reopened_at"]), _request(link))


def followed_by(reopen):
    """What a system that cannot reopen gets: a new work order for the same request, naming the first."""
    description = (f"REOPENED (follows work order {reopen.legacy_id}, closed): {reopen.reason}\n\n"
                   f"{reopen.request.description}")
    return WorkOrderRequest(**{**reopen.request.__dict__, "description": description})


def confirm_reopened(uow, reopen, legacy_id=None):
    """The system reopened the work order (or made `legacy_id`, a new one linked to it): record the reopen once and
    publish WorkOrderUpdated "reopened" (the public record, notifications and metrics follow)."""
    update_id = _reopen_update_id(reopen.reopen_id)
    link = locked(uow, reopen.service_request_id)
    link.lease_until = None
    if uow.session.get(AppliedUpdate, update_id):
        return
    uow.session.add(AppliedUpdate(update_id=update_id, service_request_id=reopen.service_request_id,
                                  applied_at=_now()))
    if legacy_id and legacy_id != link.legacy_id:
        note = (f"Reopened: {reopen.system} cannot reopen a work order, so new work order {legacy_id} follows "
                f"{link.legacy_id}.")
        link.previous_system, link.previous_legacy_id = link.work_order_system, link.legacy_id
        link.legacy_id = legacy_id
    else:
        note = "Reopened."   # public (status_notes): the reason stays with staff and the department
    link.status, link.status_changed_at, link.updated_at = "reopened", reopen.reopened_at, _now()
    uow.publish("WorkOrderUpdated", {
        "service_request_id": link.service_request_id, "work_order_system": link.work_order_system,
        "legacy_id": link.legacy_id, "update_id": update_id, "status": "reopened",
        "legacy_status": "reopened", "note": note[:1000], "changed_at": reopen.reopened_at.isoformat()},
        correlation_id=link.service_request_id)


def merge_target(uow, parent_request_id):
    """The parent's link, for telling its system of a duplicate; None when the parent has no work order here."""
    link = uow.session.get(WorkOrderLink, parent_request_id)
    return link if link is not None and link.state in ("pending", "created") else None


def record_failure(uow, service_request_id, reason, budget, permanent):
    """Count a failed attempt; past the budget (or a rejection) the link fails and WorkOrderFailed goes out.

    Returns True when the failure is final for this message.
    """
    link = locked(uow, service_request_id)
    link.attempts += 1
    link.last_error, link.updated_at, link.lease_until = reason[:2000], _now(), None
    if hand_over(uow, service_request_id, create_may_have_landed=not permanent):
        return True  # the request has moved to another department: this one's failure no longer matters
    final = permanent or link.attempts >= budget
    if final:
        _failed(uow, link, reason, permanent)
    return final


def _failed(uow, link, reason, permanent):
    """The link fails here: WorkOrderFailed goes out once (routing puts the request in triage with the reason)."""
    if link.state == "failed":
        return
    link.state, link.failure_permanent = "failed", permanent
    uow.publish("WorkOrderFailed", {
        "service_request_id": link.service_request_id, "work_order_system": link.work_order_system,
        "reason": reason[:2000], "attempts": link.attempts, "permanent": permanent},
        correlation_id=link.service_request_id)


def resendable(uow, limit=50):
    """Links to send again: failed for a transient reason, or left pending (or with a re-route waiting) by a
    process whose lease ran out."""
    ran_out = WorkOrderLink.lease_until < _now()
    rows = uow.session.execute(select(WorkOrderLink).where(or_(
        (WorkOrderLink.state == "failed") & WorkOrderLink.failure_permanent.is_(False),
        (WorkOrderLink.state == "pending") & ran_out, WorkOrderLink.wanted_system.is_not(None) & ran_out))
        .order_by(WorkOrderLink.updated_at).limit(limit)).scalars()
    return [Pending(link.work_order_system, _request(link)) for link in rows]


def mark_rejected(uow, service_request_id, reason):
    """A resend the system refused outright: stop resending, and tell routing (WorkOrderFailed) unless it already
    heard this request failed here, so staff decide from the triage list. A pending link (re-routed, or left by a
    process that died) had told nobody: the chaos table lost a pothole re-routed to Watershed this way."""
    link = locked(uow, service_request_id)
    link.failure_permanent, link.last_error, link.updated_at, link.lease_until = True, reason[:2000], _now(), None
    if not hand_over(uow, service_request_id, create_may_have_landed=False):
        _failed(uow, link, reason, permanent=True)


def cancels_due(uow, limit=50):
    """Cancels neither confirmed nor refused that nobody is asking for now (one failed, or its asker died)."""
    rows = uow.session.execute(select(WorkOrderCancel).where(
        WorkOrderCancel.cancelled_at.is_(None), WorkOrderCancel.refusal.is_(None),
        or_(WorkOrderCancel.lease_until.is_(None), WorkOrderCancel.lease_until < _now()))
        .order_by(WorkOrderCancel.requested_at).limit(limit)).scalars()
    return [Cancel(row.service_request_id, row.work_order_system, row.legacy_id) for row in rows]


def take_cancel(uow, cancel, seconds):
    """True when this transaction may now ask the old system to cancel (nobody else is asking)."""
    return _take(uow, WorkOrderCancel, [WorkOrderCancel.work_order_system == cancel.system,
                                        WorkOrderCancel.legacy_id == cancel.legacy_id], seconds)


def by_reference(cancel):
    """True for a cancel known only by our tracking number (the old system never told us its id)."""
    return cancel.legacy_id.startswith(BY_REFERENCE)


def resolve_by_reference(uow, cancel, found, settle_seconds):
    """The legacy id to cancel for a cancel by reference, given what the old system `found` under our tracking
    number; or None, with the outcome recorded: the request was routed back to that system (its work order is
    the request's again, kept), nothing there yet (looked up again later), or nothing there `settle_seconds`
    after the re-route, when no create can still land (settled: nothing to cancel)."""
    link = uow.session.get(WorkOrderLink, cancel.service_request_id)
    if link is not None and link.work_order_system == cancel.system:
        _cancel_attempted(uow, cancel).refusal = "routed back to this department: its work order is kept"
        return None
    if found is not None:
        return found.legacy_id
    row = _cancel_attempted(uow, cancel)
    if _aware(row.requested_at) + timedelta(seconds=settle_seconds) < _now():
        row.cancelled_at, row.last_error = _now(), "nothing to cancel: no work order under our tracking number"
    else:
        row.last_error = "no work order under our tracking number yet: looked up again"
    return None


def cancel_confirmed(uow, cancel):
    """The old system cancelled the work order: done."""
    _cancel_attempted(uow, cancel).cancelled_at = _now()


def cancel_refused(uow, cancel, reason):
    """The old system will not cancel it (e.g. the work is done): recorded with its reason, not asked again."""
    _cancel_attempted(uow, cancel).refusal = reason[:2000]


def cancel_failed(uow, cancel, reason):
    """No answer either way (down, timeout): asked again later."""
    _cancel_attempted(uow, cancel).last_error = reason[:2000]


def _cancel_attempted(uow, cancel):
    row = uow.session.get(WorkOrderCancel, (cancel.system, cancel.legacy_id), with_for_update=True)
    row.attempts += 1
    row.lease_until, row.updated_at = None, _now()
    return row


def read_cursor(uow, system):
    row = uow.session.get(SyncCursor, system)
    return row.cursor if row else None


def apply_changes(uow, system, changes, cursor):
    """Publish each status change once, oldest first, never letting an old one overwrite a newer one."""
    for change in in_apply_order(changes):
        apply_change(uow, system, change)
    row = uow.session.get(SyncCursor, system) or SyncCursor(work_order_system=system)
    row.cursor, row.updated_at = cursor, _now()
    uow.session.add(row)


def in_apply_order(changes):
    """Oldest first; also the order links are locked in, the same for the poll and a webhook (no deadlock)."""
    return sorted(changes, key=lambda c: (c.changed_at, c.change_id))


def apply_change(uow, system, change):
    """One status change (from polling or a webhook), applied at most once.

    A change for a tracking id we hold no link for is left unrecorded: the RequestRouted that makes the work
    order ours may still be on its way (this process was down while the request was filed and the system
    already worked on it), and the next catch-up poll, whose window overlaps, brings the change again.
    """
    if uow.session.get(AppliedUpdate, change.change_id):
        return
    link = locked(uow, change.external_reference)
    if link is None:
        return
    uow.session.add(AppliedUpdate(update_id=change.change_id,
                                  service_request_id=change.external_reference, applied_at=_now()))
    if _created_unconfirmed(link, system, change):
        # The system has a work order under our tracking id that our create has not confirmed yet (a process
        # died between the create and the commit, or the create's answer was lost): it is ours; adopt it
        # now, or this change would be dropped and the cursor move past it for good.
        confirm_created(uow, link.service_request_id, LegacyWorkOrder(change.legacy_id, change.external_reference,
                                                                      change.legacy_status), system)
    if link.legacy_id != change.legacy_id or _superseded(link, change):
        return  # a work order left behind by a re-route, or older than what we have
    link.status, link.legacy_status = change.status, change.legacy_status
    link.status_changed_at, link.updated_at = change.changed_at, _now()
    _publish_change(uow, system, link, change)


def _created_unconfirmed(link, system, change):
    """A change about a work order we asked this system for and have not linked yet (not one a re-route left)."""
    return (link is not None and link.legacy_id is None and link.work_order_system == system
            and (link.state == "pending" or (link.state == "failed" and not link.failure_permanent))
            and change.status != "cancelled" and change.legacy_id != link.previous_legacy_id)


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
