"""What the bus says about each request: when each milestone was first seen, by an outside consumer.

Times are taken when the benchmark's own consumer receives the message (wall clock),
so an end-to-end time is "POST answered" to "visible on the bus", relay included.
"""
import json
import time
from datetime import datetime

# Events watched on the services' exchanges (routing key = event type).
WATCHED = {
    "intake": ("RequestCreated", "InformationRequestLogged"),
    "routing": ("RequestRouted", "RequestDuplicateDetected", "RequestNeedsTriage"),
    "workorders": ("WorkOrderCreated", "WorkOrderFailed"),
    "notifications": ("NotificationSent", "NotificationFailed"),
}
FIRST_SEEN = {
    "RequestCreated": "created", "InformationRequestLogged": "logged", "RequestRouted": "routed",
    "RequestDuplicateDetected": "duplicate", "RequestNeedsTriage": "triage", "WorkOrderCreated": "work_order",
    "WorkOrderFailed": "work_order_failed", "NotificationSent": "notified", "NotificationFailed": "notify_failed",
}


class Milestones:
    """Per request (or information contact) id: first-seen times, routing facts, duplicate counts."""

    def __init__(self, clock=time.time):
        self.by_id = {}
        self.messages = 0
        self.firsts = 0     # milestones seen for the first time: stops moving when the system has settled
        self.clock = clock

    def on_event(self, body):
        """A message from the services' exchanges."""
        event = json.loads(body)
        self.messages += 1
        record = self._record(event.get("correlation_id"))
        if record is None:
            return
        event_type, data = event.get("event_type"), event.get("data") or {}
        self._first(record, FIRST_SEEN.get(event_type, event_type))
        if event_type == "RequestRouted":
            record.setdefault("work_order_system", data.get("work_order_system"))
            record.setdefault("department", data.get("department"))
        elif event_type == "WorkOrderCreated":
            # Exactly once: one event id and one legacy id per request, however often it is delivered.
            record.setdefault("work_order_event_ids", set()).add(event.get("event_id"))
            record.setdefault("legacy_ids", set()).add((data.get("work_order_system"), data.get("legacy_id")))
            record["work_order_deliveries"] = record.get("work_order_deliveries", 0) + 1
            # when workorders recorded the department system's answer (its own clock, this machine's)
            if "handed_off_at" not in record and _epoch(data.get("created_at")) is not None:
                record["handed_off_at"], record["handed_system"] = _epoch(data["created_at"]), data.get(
                    "work_order_system")
        elif event_type == "NotificationSent":
            record.setdefault("notification_ids", set()).add(data.get("notification_id"))
            record["notification_deliveries"] = record.get("notification_deliveries", 0) + 1

    def on_stream(self, body):
        """A message from metrics' analyst stream: the first fact that counts the request."""
        message = json.loads(body)
        self.messages += 1
        data = message.get("data") or {}
        if message.get("kind") == "request_fact" and data.get("created_at"):
            key = data.get("service_request_id")
        elif message.get("kind") == "information_contact":
            key = data.get("contact_id")
        else:
            return
        record = self._record(key)
        if record is not None:
            self._first(record, "counted")

    def _first(self, record, milestone):
        if milestone not in record:
            record[milestone] = self.clock()
            self.firsts += 1

    def _record(self, key):
        if not key:
            return None
        return self.by_id.setdefault(key, {})

    def count(self, milestone):
        return sum(1 for r in self.by_id.values() if milestone in r)


def _epoch(text):
    """Seconds since the epoch of an ISO 8601 time with its offset; None when there is none or it won't parse."""
    try:
        return datetime.fromisoformat(text).timestamp()
    except (TypeError, ValueError):
        return None
