"""The event catalog: every event type, its producer, version and contract.

A new version of an event is a new schema class and a new row; consumers keep
accepting the versions still listed here. MESSAGES lists the bus's other
messages: plain JSON that outside systems (intake channels, department
systems) exchange with the city, each on its own exchange and routing key.
"""
from dataclasses import dataclass

from marshmallow import Schema

from shared.events import channels, departments, intake, notifications, routing, workorders


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
        _contract("RequestReopened", 1, "routing", routing.RequestReopenedV1),
        _contract("WorkOrderCreated", 1, "workorders", workorders.WorkOrderCreatedV1),
        _contract("WorkOrderUpdated", 1, "workorders", workorders.WorkOrderUpdatedV1),
        _contract("WorkOrderClosed", 1, "workorders", workorders.WorkOrderClosedV1),
        _contract("WorkOrderFailed", 1, "workorders", workorders.WorkOrderFailedV1),
        _contract("NotificationSent", 1, "notifications", notifications.NotificationSentV1),
        _contract("NotificationFailed", 1, "notifications", notifications.NotificationFailedV1),
        _contract("SurveyResponded", 1, "notifications", notifications.SurveyRespondedV1),
    )
}


@dataclass(frozen=True)
class MessageContract:
    """A message that is not an event: who sends it where, who takes it, and its schema."""
    name: str
    version: int
    exchange: str                # "" is the default exchange
    routing_key: str             # {placeholders} are filled in per department or per reply queue
    producer: str
    consumers: tuple
    schema: Schema
    description: str
    properties: dict             # AMQP properties it carries, and what they mean
    queue: str | None = None     # the queue its consumers take it from, when it is not a service's


def _message(name, exchange, routing_key, producer, consumers, schema_cls, properties, queue=None):
    version = int(schema_cls.__name__.rsplit("V", 1)[1])
    return MessageContract(name, version, exchange, routing_key, producer, tuple(consumers), schema_cls(),
                           (schema_cls.__doc__ or "").strip(), dict(properties), queue)


_CHANNELS, _DEPARTMENTS = "channel systems", "department systems"

MESSAGES = {
    (m.name, m.version): m
    for m in (
        _message("ChannelServiceRequest", "channels.events", "request.submit.v1", _CHANNELS, ["intake"],
                 channels.ChannelServiceRequestV1, channels.MESSAGE_PROPERTIES),
        _message("ChannelInformationContact", "channels.events", "information.log.v1", _CHANNELS, ["intake"],
                 channels.ChannelInformationContactV1, channels.MESSAGE_PROPERTIES),
        _message("ChannelReply", "", "{reply_to}", "intake", [_CHANNELS], channels.ChannelReplyV1,
                 channels.REPLY_PROPERTIES, "{reply_to}"),
        _message("DepartmentWorkOrderRouted", "departments", "department.{code}.routed", "workorders",
                 [_DEPARTMENTS], departments.DepartmentWorkOrderRoutedV1, departments.CITY_PROPERTIES,
                 "departments.{code}"),
        _message("DepartmentWorkOrderCancelled", "departments", "department.{code}.cancelled", "workorders",
                 [_DEPARTMENTS], departments.DepartmentWorkOrderCancelledV1, departments.CITY_PROPERTIES,
                 "departments.{code}"),
        _message("DepartmentWorkOrderMerged", "departments", "department.{code}.merged", "workorders",
                 [_DEPARTMENTS], departments.DepartmentWorkOrderMergedV1, departments.CITY_PROPERTIES,
                 "departments.{code}"),
        _message("DepartmentWorkOrderReopened", "departments", "department.{code}.reopened", "workorders",
                 [_DEPARTMENTS], departments.DepartmentWorkOrderReopenedV1, departments.CITY_PROPERTIES,
                 "departments.{code}"),
        _message("DepartmentStatusReport", "departments.status", "department.{code}.status", _DEPARTMENTS,
                 ["workorders"], departments.DepartmentStatusReportV1, departments.STATUS_PROPERTIES,
                 "departments.status.{code}"),
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
