"""The work-order lease: with several workorders processes, only one talks to a legacy system about a request.

Real databases (SQLite and PostgreSQL), real concurrent transactions: two
threads race for the same request, as two competing consumers (or a consumer
and the resend timer) do.
"""
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.workorders import links
from services.workorders.models import WorkOrderCancel, WorkOrderLink
from tests.unit.services.conftest import event


@pytest.fixture
def workorders_db(service_databases):
    return service_databases("workorders")


def routed(request_id="26-0000777", system="streets", at=None):
    routed_event = event("RequestRouted", correlation_id=request_id, service_request_id=request_id,
                         work_order_system=system)
    if at is not None:
        routed_event["occurred_at"] = at.isoformat()
    return routed_event


def claim(uow_factory, routed_event, lease_seconds=60):
    with uow_factory() as uow:
        return links.claim_link(uow, routed_event, lease_seconds)


def link(uow_factory, request_id="26-0000777"):
    with uow_factory() as uow:
        return uow.session.get(WorkOrderLink, request_id)


def test_the_same_event_twice_is_worked_on_once_while_the_first_holds_the_lease(workorders_db):
    first = routed()
    assert claim(workorders_db, first) is not None
    assert claim(workorders_db, first) is None          # a redelivery / a second consumer leaves it alone
    assert link(workorders_db).state == "pending"


def test_confirming_or_failing_gives_the_lease_back(workorders_db):
    assert claim(workorders_db, routed()) is not None
    with workorders_db() as uow:
        assert links.record_failure(uow, "26-0000777", "streets: down", budget=4, permanent=False) is False
    assert link(workorders_db).lease_until is None
    assert claim(workorders_db, routed()) is not None   # the retry takes it again


def test_a_lease_left_by_a_dead_process_runs_out_and_the_resend_timer_takes_the_request_up(workorders_db):
    assert claim(workorders_db, routed(), lease_seconds=60) is not None
    with workorders_db() as uow:
        assert links.resendable(uow) == []                # still held: nobody else touches it
    with workorders_db() as uow:                          # the holder died; its lease ran out
        uow.session.get(WorkOrderLink, "26-0000777").lease_until = datetime.now(timezone.utc) - timedelta(seconds=1)
    with workorders_db() as uow:
        waiting = links.resendable(uow)
    assert [p.request.service_request_id for p in waiting] == ["26-0000777"]
    with workorders_db() as uow:
        assert links.take_lease(uow, "26-0000777", 60) is True
    with workorders_db() as uow:
        assert links.take_lease(uow, "26-0000777", 60) is False


def created_by_the_holder(uow_factory, legacy_id="WO-9", request_id="26-0000777"):
    """The lease holder's create succeeded: it confirms, and hands over what arrived meanwhile."""
    from services.workorders.adapters.base import LegacyWorkOrder
    with uow_factory() as uow:
        links.confirm_created(uow, request_id, LegacyWorkOrder(legacy_id, request_id, "OPEN"), "streets")
        return links.hand_over(uow, request_id)


def due_cancels(uow_factory):
    with uow_factory() as uow:
        return [(c.system, c.legacy_id) for c in links.cancels_due(uow)]


def test_a_reroute_waits_for_the_lease_then_is_applied_when_the_create_confirms(workorders_db):
    now = datetime.now(timezone.utc)
    assert claim(workorders_db, routed(at=now)) is not None
    assert claim(workorders_db, routed(system="watershed", at=now + timedelta(seconds=1))) is None
    assert link(workorders_db).work_order_system == "streets"   # the create in Streets is still under way
    assert created_by_the_holder(workorders_db) is True
    moved = link(workorders_db)
    assert (moved.work_order_system, moved.state, moved.legacy_id) == ("watershed", "pending", None)
    with workorders_db() as uow:                          # the resend timer creates it in Watershed
        assert [(p.system, p.request.service_request_id) for p in links.resendable(uow)] == [
            ("watershed", "26-0000777")]
    assert due_cancels(workorders_db) == [("streets", "WO-9")]   # and the one just made in Streets goes


def test_a_reroute_waiting_for_a_create_that_failed_is_applied_instead_of_sending_the_request_to_triage(
        workorders_db):
    now = datetime.now(timezone.utc)
    assert claim(workorders_db, routed(at=now)) is not None
    assert claim(workorders_db, routed(system="watershed", at=now + timedelta(seconds=1))) is None
    with workorders_db() as uow:
        assert links.record_failure(uow, "26-0000777", "streets: refused", budget=4, permanent=True) is True
        assert outbox_events_of(uow) == []                # no WorkOrderFailed for a department it left
    assert (link(workorders_db).work_order_system, link(workorders_db).state) == ("watershed", "pending")
    assert due_cancels(workorders_db) == []               # Streets never had a work order


def test_a_routing_decision_older_than_the_waiting_reroute_is_ignored_and_a_newer_one_replaces_it(workorders_db):
    now = datetime.now(timezone.utc)
    assert claim(workorders_db, routed(at=now)) is not None
    assert claim(workorders_db, routed(system="watershed", at=now + timedelta(seconds=2))) is None
    assert claim(workorders_db, routed(system="solidwaste", at=now + timedelta(seconds=1))) is None  # late
    assert created_by_the_holder(workorders_db) is True
    assert link(workorders_db).work_order_system == "watershed"

    assert claim(workorders_db, routed("26-0000778", at=now)) is not None
    assert claim(workorders_db, routed("26-0000778", system="watershed", at=now + timedelta(seconds=1))) is None
    assert claim(workorders_db, routed("26-0000778", at=now + timedelta(seconds=2))) is None   # back to Streets
    assert created_by_the_holder(workorders_db, "WO-10", "26-0000778") is False
    stayed = link(workorders_db, "26-0000778")
    assert (stayed.work_order_system, stayed.state, stayed.legacy_id) == ("streets", "created", "WO-10")
    assert due_cancels(workorders_db) == [("streets", "WO-9")]   # only the first request's


def test_a_reroute_waiting_for_a_holder_that_died_is_applied_when_the_resend_timer_takes_the_lease(workorders_db):
    now = datetime.now(timezone.utc)
    assert claim(workorders_db, routed(at=now)) is not None
    assert claim(workorders_db, routed(system="watershed", at=now + timedelta(seconds=1))) is None
    with workorders_db() as uow:                          # the holder died; its lease ran out
        uow.session.get(WorkOrderLink, "26-0000777").lease_until = datetime.now(timezone.utc) - timedelta(seconds=1)
    with workorders_db() as uow:
        assert links.take_lease(uow, "26-0000777", 60) is True
        assert links.hand_over(uow, "26-0000777") is True
    with workorders_db() as uow:
        assert [p.system for p in links.resendable(uow)] == ["watershed"]


def test_a_reroute_records_the_cancel_of_the_old_work_order_with_the_routing_decision(workorders_db):
    now = datetime.now(timezone.utc)
    assert claim(workorders_db, routed(at=now)) is not None
    created_by_the_holder(workorders_db)
    pending = claim(workorders_db, routed(system="watershed", at=now + timedelta(seconds=1)), lease_seconds=60)
    assert (pending.system, pending.previous.system, pending.previous.legacy_id) == ("watershed", "streets", "WO-9")
    assert due_cancels(workorders_db) == []               # the handler that re-routed is cancelling it now
    with workorders_db() as uow:                          # ... or it died: the cancel's lease runs out
        uow.session.get(WorkOrderCancel, ("streets", "WO-9")).lease_until = now - timedelta(seconds=1)
    assert due_cancels(workorders_db) == [("streets", "WO-9")]
    with workorders_db() as uow:
        assert links.take_cancel(uow, pending.previous, 60) is True
    with workorders_db() as uow:
        assert links.take_cancel(uow, pending.previous, 60) is False   # one process at a time
    with workorders_db() as uow:
        links.cancel_confirmed(uow, pending.previous)
    assert due_cancels(workorders_db) == []
    assert link(workorders_db).previous_legacy_id == "WO-9"


def test_a_cancel_that_failed_is_due_again_and_one_the_system_refused_is_recorded_and_not_retried(workorders_db):
    now = datetime.now(timezone.utc)
    assert claim(workorders_db, routed(at=now)) is not None
    created_by_the_holder(workorders_db)
    previous = claim(workorders_db, routed(system="watershed", at=now + timedelta(seconds=1))).previous
    with workorders_db() as uow:
        links.cancel_failed(uow, previous, "streets: no answer within 10s")
    assert due_cancels(workorders_db) == [("streets", "WO-9")]
    with workorders_db() as uow:
        assert links.take_cancel(uow, previous, 60) is True
        links.cancel_refused(uow, previous, "streets: Work order WO-9 is COMPLETE and can no longer be cancelled")
    assert due_cancels(workorders_db) == []
    with workorders_db() as uow:
        refused = uow.session.get(WorkOrderCancel, ("streets", "WO-9"))
        assert (refused.attempts, refused.cancelled_at) == (2, None)
        assert refused.refusal.endswith("can no longer be cancelled")


def _race(workorders_db, action, contenders=2):
    """Run `action(uow)` in `contenders` threads at once, each in its own transaction; their results."""
    barrier, results = threading.Barrier(contenders), []

    def contender():
        barrier.wait()
        try:
            with workorders_db() as uow:
                result = action(uow)
            results.append(result)                        # counted once its transaction committed
        except (IntegrityError, DBAPIError) as error:   # the loser of a write race; its message is retried
            results.append(type(error).__name__)
    threads = [threading.Thread(target=contender) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_transactions_racing_for_the_lease_exactly_one_wins(workorders_db):
    assert claim(workorders_db, routed()) is not None
    with workorders_db() as uow:
        links.release(uow, "26-0000777")
    for _ in range(5):
        results = _race(workorders_db, lambda uow: links.take_lease(uow, "26-0000777", 60))
        assert results.count(True) == 1, results
        with workorders_db() as uow:
            links.release(uow, "26-0000777")


def test_two_consumers_of_a_new_request_exactly_one_claims_it(workorders_db):
    for n in range(5):
        request_id = f"26-00009{n:02d}"
        results = _race(workorders_db, lambda uow: links.claim_link(uow, routed(request_id), 60) is not None)
        assert results.count(True) == 1, results


def status_change(legacy_id, status, minutes, request_id="26-0000777", change_id=None):
    from services.workorders.adapters import StatusChange
    return StatusChange(change_id or f"streets:{legacy_id}:{status}", legacy_id, request_id, status.upper(), status,
                        "Pothole filled" if status == "closed" else None,
                        datetime(2026, 11, 23, 12, minutes, tzinfo=timezone.utc))


def test_a_change_for_a_work_order_we_never_confirmed_adopts_it_instead_of_dropping_it(workorders_db):
    """The holder died between the legacy create and our commit; the system's feed shows the work order first."""
    assert claim(workorders_db, routed()) is not None
    with workorders_db() as uow:
        links.apply_changes(uow, "streets", [status_change("WO-9", "assigned", 1), status_change("WO-9", "closed", 2)],
                            cursor="after-both")
    adopted = link(workorders_db)
    assert (adopted.state, adopted.legacy_id, adopted.status, adopted.lease_until) == ("created", "WO-9", "closed", None)
    with workorders_db() as uow:
        published = [e["event_type"] for e in outbox_events_of(uow)]
    assert published == ["WorkOrderCreated", "WorkOrderUpdated", "WorkOrderClosed"]


def test_another_systems_change_or_a_cancelled_order_is_not_adopted(workorders_db):
    assert claim(workorders_db, routed()) is not None
    with workorders_db() as uow:
        links.apply_changes(uow, "watershed", [status_change("77001", "assigned", 1)], cursor="c1")
        links.apply_changes(uow, "streets", [status_change("WO-8", "cancelled", 2)], cursor="c2")
    assert (link(workorders_db).state, link(workorders_db).legacy_id) == ("pending", None)


def test_a_change_that_arrives_before_the_request_is_ours_is_applied_when_it_comes_again(workorders_db):
    """Workorders was down while the request was filed and the system already closed it: the change (webhook or
    poll) comes before RequestRouted; it must not be used up, so the next overlapping poll can apply it."""
    early = [status_change("WO-7", "assigned", 1), status_change("WO-7", "closed", 2)]
    with workorders_db() as uow:
        links.apply_changes(uow, "streets", early, cursor="c1")
        assert outbox_events_of(uow) == []
    assert claim(workorders_db, routed()) is not None
    with workorders_db() as uow:
        links.apply_changes(uow, "streets", early, cursor="c2")
    assert (link(workorders_db).legacy_id, link(workorders_db).status) == ("WO-7", "closed")
    with workorders_db() as uow:
        assert [e["event_type"] for e in outbox_events_of(uow)] == ["WorkOrderCreated", "WorkOrderUpdated",
                                                                     "WorkOrderClosed"]


def outbox_events_of(uow):
    import json

    from sqlalchemy import select

    from shared.persistence.tables import outbox
    return [json.loads(p) for p in uow.session.execute(select(outbox.c.payload).order_by(outbox.c.id)).scalars()]


def _one_work_order_created_event(workorders_db, first_step, second_step):
    from tests.support.interleaving import Interleaving
    race = Interleaving()

    def first():
        with workorders_db() as uow:
            first_step(uow)
            race.pause()

    def second():
        with workorders_db() as uow:
            second_step(uow)
    assert claim(workorders_db, routed()) is not None
    assert race.run(first, second) == []
    with workorders_db() as uow:
        published = [e["event_type"] for e in outbox_events_of(uow)]
    assert published.count("WorkOrderCreated") == 1, published
    assert (link(workorders_db).state, link(workorders_db).legacy_id) == ("created", "WO-9")


def _confirm(uow):
    from services.workorders.adapters.base import LegacyWorkOrder
    links.confirm_created(uow, "26-0000777", LegacyWorkOrder("WO-9", "26-0000777", "OPEN"), "streets")


def _poll(uow):
    links.apply_changes(uow, "streets", [status_change("WO-9", "assigned", 1)], cursor="c1")


def test_the_create_confirming_while_the_status_poll_sees_the_new_work_order_publishes_it_once(workorders_db):
    """Under load the poll's feed shows a work order before its create has committed: one of the two
    transactions links it and says so; the other finds it linked (on PostgreSQL both used to publish)."""
    _one_work_order_created_event(workorders_db, _confirm, _poll)


def test_the_status_poll_adopting_while_the_create_confirms_publishes_it_once(workorders_db):
    _one_work_order_created_event(workorders_db, _poll, _confirm)


def test_two_confirmations_of_one_create_at_once_publish_it_once(workorders_db):
    """The create and the resend timer (a lease that ran out under load) both found the work order."""
    _one_work_order_created_event(workorders_db, _confirm, _confirm)


def _lease_runs_out(workorders_db, request_id="26-0000777"):
    with workorders_db() as uow:    # the legacy call outlived the lease (a system slower than its timeouts say)
        uow.session.get(WorkOrderLink, request_id).lease_until = datetime.now(timezone.utc) - timedelta(seconds=1)


def _confirmed(workorders_db, legacy_id, system="streets", request_id="26-0000777"):
    from services.workorders.adapters.base import LegacyWorkOrder
    with workorders_db() as uow:
        links.confirm_created(uow, request_id, LegacyWorkOrder(legacy_id, request_id, "OPEN"), system)


def test_a_create_that_outlived_its_lease_while_the_resend_made_the_work_order_is_cancelled_not_linked(
        workorders_db):
    """The slow create and the resend timer that took over its lease each made a work order: the first to
    confirm keeps the link; the other's work order is cancelled, never announced (found by the chaos table)."""
    assert claim(workorders_db, routed()) is not None
    _lease_runs_out(workorders_db)
    with workorders_db() as uow:
        assert links.take_lease(uow, "26-0000777", 60) is True     # the resend timer: looks up, finds none yet
    _confirmed(workorders_db, "WO-10")                             # ... creates and confirms first
    _confirmed(workorders_db, "WO-9")                              # the slow create comes back
    kept = link(workorders_db)
    assert (kept.state, kept.legacy_id) == ("created", "WO-10")
    with workorders_db() as uow:
        assert [e["data"]["legacy_id"] for e in outbox_events_of(uow)
                if e["event_type"] == "WorkOrderCreated"] == ["WO-10"]
    assert due_cancels(workorders_db) == [("streets", "WO-9")]


def test_a_create_that_outlived_its_lease_while_staff_rerouted_is_cancelled_in_the_old_system(workorders_db):
    """The re-route took the lease that ran out, so nothing waited for the slow create: its work order,
    made in the department the request has left, is cancelled there (found by the chaos table)."""
    now = datetime.now(timezone.utc)
    assert claim(workorders_db, routed(at=now)) is not None
    _lease_runs_out(workorders_db)
    moved = claim(workorders_db, routed(system="watershed", at=now + timedelta(seconds=1)))
    assert moved.system == "watershed"
    assert moved.previous.legacy_id == "ref:26-0000777"   # Streets confirmed nothing yet: looked up by our number
    _confirmed(workorders_db, "WO-9", system="streets")            # the slow create in Streets comes back
    stayed = link(workorders_db)
    assert (stayed.work_order_system, stayed.state, stayed.legacy_id) == ("watershed", "pending", None)
    with workorders_db() as uow:
        assert [e["event_type"] for e in outbox_events_of(uow)] == []
    assert due_cancels(workorders_db) == [("streets", "WO-9")]


def test_a_reroute_after_a_create_that_timed_out_cancels_what_the_old_system_made_by_our_tracking_number(
        workorders_db):
    """The create in Streets timed out (its answer never came, but it may have landed) while staff re-routed:
    the request moves, and Streets is searched for our tracking number until the create can no longer land
    (found by the chaos table: the request ended routed to Watershed with its work order in Streets)."""
    now = datetime.now(timezone.utc)
    assert claim(workorders_db, routed(at=now)) is not None
    assert claim(workorders_db, routed(system="watershed", at=now + timedelta(seconds=1))) is None
    with workorders_db() as uow:                           # the holder's create: no answer within the timeout
        assert links.record_failure(uow, "26-0000777", "streets: timed out", budget=4, permanent=False) is True
    moved = link(workorders_db)
    assert (moved.work_order_system, moved.state) == ("watershed", "pending")
    assert due_cancels(workorders_db) == [("streets", "ref:26-0000777")]
    (by_reference,) = [c for c in _due(workorders_db)]
    from services.workorders.adapters.base import LegacyWorkOrder
    with workorders_db() as uow:                           # Streets shows nothing yet: asked again later
        assert links.resolve_by_reference(uow, by_reference, None, settle_seconds=60) is None
    assert due_cancels(workorders_db) == [("streets", "ref:26-0000777")]
    with workorders_db() as uow:                           # then the slow create shows up: cancel it
        assert links.resolve_by_reference(uow, by_reference, LegacyWorkOrder("WO-9", "26-0000777", "OPEN"),
                                          settle_seconds=60) == "WO-9"
        links.cancel_confirmed(uow, by_reference)
    assert due_cancels(workorders_db) == []


def test_a_cancel_by_tracking_number_settles_when_nothing_landed_and_keeps_a_work_order_routed_back(
        workorders_db):
    now = datetime.now(timezone.utc)
    assert claim(workorders_db, routed(at=now)) is not None
    _lease_runs_out(workorders_db)                         # its process died mid-create
    previous = claim(workorders_db, routed(system="watershed", at=now + timedelta(seconds=1))).previous
    with workorders_db() as uow:                           # nothing in Streets long after the re-route
        assert links.resolve_by_reference(uow, previous, None, settle_seconds=0) is None
    with workorders_db() as uow:
        settled = uow.session.get(WorkOrderCancel, ("streets", "ref:26-0000777"))
        assert settled.cancelled_at is not None and settled.last_error.startswith("nothing to cancel")
    assert due_cancels(workorders_db) == []

    _lease_runs_out(workorders_db)                         # re-routed to Watershed, then back to Streets
    back = claim(workorders_db, routed(system="streets", at=now + timedelta(seconds=2))).previous
    assert back.legacy_id == "ref:26-0000777" and back.system == "watershed"
    from services.workorders.adapters.base import LegacyWorkOrder
    with workorders_db() as uow:                           # Streets' cancel by our number, due again meanwhile
        links._record_cancel(uow, "26-0000777", "streets", "ref:26-0000777")
    with workorders_db() as uow:
        found = LegacyWorkOrder("WO-9", "26-0000777", "OPEN")
        assert links.resolve_by_reference(uow, previous, found, settle_seconds=60) is None
        assert "routed back" in uow.session.get(WorkOrderCancel, ("streets", "ref:26-0000777")).refusal


def test_a_create_the_system_refused_leaves_nothing_to_look_up_when_rerouted(workorders_db):
    now = datetime.now(timezone.utc)
    assert claim(workorders_db, routed(at=now)) is not None
    with workorders_db() as uow:
        links.mark_rejected(uow, "26-0000777", "streets: no such service code")
    moved = claim(workorders_db, routed(system="watershed", at=now + timedelta(seconds=1)))
    assert (moved.system, moved.previous) == ("watershed", None)
    assert due_cancels(workorders_db) == []


def _due(workorders_db):
    with workorders_db() as uow:
        return links.cancels_due(uow)


def test_a_reroute_the_new_system_refuses_on_resend_goes_to_triage_with_the_reason(workorders_db):
    """Staff re-routed a pothole to Watershed, which has no category for it: the resend's refusal must reach routing
    (WorkOrderFailed, permanent), not leave the request pending and unannounced (found by the chaos table)."""
    now = datetime.now(timezone.utc)
    assert claim(workorders_db, routed(at=now)) is not None
    assert claim(workorders_db, routed(system="watershed", at=now + timedelta(seconds=1))) is None
    created_by_the_holder(workorders_db)                  # moved to Watershed: the resend timer creates it there
    with workorders_db() as uow:
        links.mark_rejected(uow, "26-0000777", "watershed: no watershed category for service code POTHOLE")
    with workorders_db() as uow:
        failed = [e["data"] for e in outbox_events_of(uow) if e["event_type"] == "WorkOrderFailed"]
    assert [(f["work_order_system"], f["permanent"]) for f in failed] == [("watershed", True)]
    assert "no watershed category" in failed[0]["reason"]
    with workorders_db() as uow:
        assert links.resendable(uow) == []                # not asked again until staff decide
        links.mark_rejected(uow, "26-0000777", "watershed: still no")
        assert len([e for e in outbox_events_of(uow) if e["event_type"] == "WorkOrderFailed"]) == 1   # told once
