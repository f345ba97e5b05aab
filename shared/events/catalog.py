"""The event catalog: every event type, its producer, version and contract.

A new version of an event is a new schema class and a new row; consumers keep
accepting the versions still listed here.
"""
from dataclasses import dataclass

from marshmallow import Schema

from shared.events import intake, notifications, routing, workorders


@dataclass(frozen=True)
class EventContract:
    event_type: str
    version: int
    producer: str
    schema: Schema
    description: str


def _contract(event_type, version, producer, schema_cls):
    return EventContract(event_type, version, producer, schema_cls(), (schema_cls.__doc__ or "").strip())


CATALOG = {
    (c.event_type, c.version): c
    for c in (
        _contract("RequestCreated", 1, "intake", intake.RequestCreatedV1),
        _contract("ReporterContactRecorded", 1, "intake", intake.ReporterContactRecordedV1),
        _contract("InformationRequestLogged", 1, "intake", intake.InformationRequestLoggedV1),
        _contract("RequestStatusChanged", 1, "intake", intake.RequestStatusChangedV1),
        _contract("RequestRouted", 1, "routing", routing.RequestRoutedV1),
        _contract("RequestDuplicateDetected", 1, "routing", routing.RequestDuplicateDetectedV1),
        _contract("RequestNeedsTriage", 1, "routing", routing.RequestNeedsTriageV1),
        _contract("WorkOrderCreated", 1, "workorders", workorders.WorkOrderCreatedV1),
        _contract("WorkOrderUpdated", 1, "workorders", workorders.WorkOrderUpdatedV1),
        _contract("WorkOrderClosed", 1, "workorders", workorders.WorkOrderClosedV1),
        _contract("WorkOrderFailed", 1, "workorders", workorders.WorkOrderFailedV1),
        _contract("NotificationSent", 1, "notifications", notifications.NotificationSentV1),
        _contract("NotificationFailed", 1, "notifications", notifications.NotificationFailedV1),
        _contract("SurveyResponded", 1, "notifications", notifications.SurveyRespondedV1),
    )
}


def contract_for(event_type, version=None):
    """The contract of `event_type` at `version` (default: the newest). KeyError if unknown."""
    versions = [v for (t, v) in CATALOG if t == event_type]
    if not versions:
        raise KeyError(f"unknown event type {event_type!r}")
    version = max(versions) if version is None else version
    if (event_type, version) not in CATALOG:
        raise KeyError(f"{event_type} has no schema version {version} (known: {sorted(versions)})")
    return CATALOG[(event_type, version)]
