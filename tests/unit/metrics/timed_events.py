"""Events from the catalog examples, at a chosen time: what fact folding is tested with."""
from datetime import datetime, timedelta, timezone

from shared.events import new_event
from tests.unit.services.conftest import EXAMPLES, _producer

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def at(hours):
    """T0 plus `hours`, as the ISO text events carry."""
    return (T0 + timedelta(hours=hours)).isoformat()


def timed(event_type, hours, sid="26-0000123", **changes):
    """A valid `event_type` for request `sid` that occurred `hours` after T0, its data changed by `changes`."""
    import json
    data = json.loads((EXAMPLES / f"{event_type}.v1.json").read_text())
    if "service_request_id" in data:
        data["service_request_id"] = sid
    data.update(changes)
    return new_event(event_type, data, sid, _producer(event_type), occurred_at=at(hours))


def lifecycle(sid="26-0000123"):
    """One request from creation to a survey answer, in the order it happened."""
    return [
        timed("RequestCreated", 0, sid, requested_at=at(0)),
        timed("RequestStatusChanged", 0, sid, status="open", previous_status=None, stage="received",
              changed_at=at(0)),
        timed("RequestRouted", 0.25, sid, due_at=at(48)),
        timed("WorkOrderCreated", 1, sid, created_at=at(1)),
        timed("WorkOrderUpdated", 2, sid, changed_at=at(2)),
        timed("NotificationSent", 2, sid, notification_id="n1", sent_at=at(2)),
        timed("WorkOrderClosed", 20, sid, changed_at=at(20), resolution="Filled; call 404-555-0134 for help"),
        timed("RequestStatusChanged", 20, sid, status="closed", previous_status="open", stage="closed",
              changed_at=at(20)),
        timed("NotificationSent", 20, sid, notification_id="n2", sent_at=at(20)),
        timed("SurveyResponded", 30, sid, satisfaction=2, fixed=False, has_comment=True, responded_at=at(30),
              comment="Ana Diaz, ana@example.org, says it is still there"),
    ]
