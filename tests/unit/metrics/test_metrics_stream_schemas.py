"""The metrics stream's real messages match the JSON Schemas docs/asyncapi.yaml publishes for them.

The messages are the ones the metrics service's own handlers and measures timer write to its outbox
(the relay publishes those bytes to `metrics.stream` unchanged), after every kind of event it folds.
A field renamed, dropped or left undocumented on either side fails here.
"""
import copy
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from jsonschema import Draft7Validator, FormatChecker
from nameko.testing.services import worker_factory
from sqlalchemy.orm import sessionmaker

from services.metrics import geography
from services.metrics.service import MetricsService
from shared.config import PROJECT_ROOT
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.unit_of_work import UnitOfWork
from tests.unit.services.conftest import event, outbox_events

ASYNCAPI = PROJECT_ROOT / "docs" / "asyncapi.yaml"
SAMPLE = geography.load(PROJECT_ROOT / "deploy" / "jurisdictions" / "sample")
KINDS = {"request_fact": "MetricsRequestFact_v1", "information_contact": "MetricsInformationContact_v1",
         "measures": "MetricsMeasures_v1"}
CLOSED_PER_DISTRICT = 10   # enough for the equity gaps to name a best and a worst district
FORMATS = FormatChecker()  # jsonschema checks neither of these two without extra packages


@FORMATS.checks("date-time", raises=ValueError)
def _iso_time_with_offset(value):
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(value):
    return not isinstance(value, str) or bool(uuid.UUID(value))


@pytest.fixture(scope="module")
def schemas():
    """{kind: JSON Schema} as docs/asyncapi.yaml publishes them."""
    document = yaml.safe_load(ASYNCAPI.read_text(encoding="utf-8"))
    found = {}
    for kind, name in KINDS.items():
        ref = document["components"]["messages"][name]["payload"]["$ref"]
        found[kind] = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
        Draft7Validator.check_schema(found[kind])
    return found


@pytest.fixture(scope="module")
def stream_output(tmp_path_factory):
    """Every stream message the metrics service wrote while folding one of each event it takes, and its measures."""
    url = f"sqlite:///{tmp_path_factory.mktemp('metrics')}/metrics.sqlite"
    upgrade("metrics", url)
    sessions = sessionmaker(make_engine(url), expire_on_commit=False)
    uow = lambda: UnitOfWork(sessions, "metrics")  # noqa: E731
    worker = worker_factory(MetricsService, uow=uow, geography=SAMPLE)
    _a_request_through_every_stage(worker)
    _closed_requests_in_two_districts(worker)
    worker.on_information_logged([event("InformationRequestLogged", logged_at=_ago(hours=1))])
    worker.emit_measures()
    return outbox_events(uow)


def _ago(**delta):
    return (datetime.now(timezone.utc) - timedelta(**delta)).isoformat()


def _a_request_through_every_stage(worker):
    sid, child = "26-0000123", "26-0000124"
    steps = [
        (worker.on_request_created, "RequestCreated", {"requested_at": _ago(days=2)}),
        (worker.on_needs_triage, "RequestNeedsTriage", {}),
        (worker.on_request_routed, "RequestRouted", {}),
        (worker.on_work_order_created, "WorkOrderCreated", {}),
        (worker.on_work_order_updated, "WorkOrderUpdated", {"changed_at": _ago(days=1)}),
        (worker.on_status_changed, "RequestStatusChanged", {"changed_at": _ago(days=1)}),
        (worker.on_notification_sent, "NotificationSent", {}),
        (worker.on_notification_failed, "NotificationFailed", {}),
        (worker.on_work_order_closed, "WorkOrderClosed", {"changed_at": _ago(hours=3)}),
        (worker.on_survey_responded, "SurveyResponded", {"responded_at": _ago(hours=2)}),
        (worker.on_work_order_failed, "WorkOrderFailed", {"service_request_id": child}),
        (worker.on_duplicate_detected, "RequestDuplicateDetected", {"service_request_id": child}),
    ]
    for handle, event_type, changes in steps:
        handle([event(event_type, correlation_id=changes.get("service_request_id", sid),
                      **{"service_request_id": sid, **changes})])


def _closed_requests_in_two_districts(worker):
    for district, hours in (("CD-1", 5), ("CD-2", 30)):
        for n in range(CLOSED_PER_DISTRICT):
            sid = f"26-1{district[-1]}{n:05d}"
            worker.on_request_created([event("RequestCreated", sid, service_request_id=sid,
                                             requested_at=_ago(days=3))])
            worker.on_request_routed([event("RequestRouted", sid, service_request_id=sid, district=district,
                                            due_at=_ago(days=2, hours=-hours))])
            worker.on_work_order_closed([event("WorkOrderClosed", sid, service_request_id=sid,
                                               changed_at=_ago(days=3, hours=-hours))])


def _problems(schema, message):
    validator = Draft7Validator(schema, format_checker=FORMATS)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(message)]


def test_the_service_wrote_every_kind_of_stream_message(stream_output):
    assert {message["kind"] for message in stream_output} == set(KINDS)
    measures = [m for m in stream_output if m["kind"] == "measures"][0]["data"]
    assert measures["equity_gaps"]["median_close_hours"]["best"] is not None   # the gaps' filled-in shape too


def test_every_real_stream_message_matches_its_published_schema(stream_output, schemas):
    for message in stream_output:
        problems = _problems(schemas[message["kind"]], message)
        assert not problems, f"{message['kind']} message breaks its schema in docs/asyncapi.yaml: {problems}"


def test_every_field_on_the_stream_is_documented_in_its_schema(stream_output, schemas):
    for message in stream_output:
        schema = schemas[message["kind"]]
        assert set(message) == set(schema["properties"]), message["kind"]
        assert set(message["data"]) <= set(schema["properties"]["data"]["properties"]), (
            f"{message['kind']} fields missing from shared/events/metrics_stream.yaml: "
            f"{set(message['data']) - set(schema['properties']['data']['properties'])}")


@pytest.mark.parametrize("kind, path", [
    ("request_fact", ("data", "service_request_id")), ("request_fact", ("data", "closed_at")),
    ("information_contact", ("data", "topic")), ("measures", ("data", "timings")), ("measures", ("emitted_at",)),
])
def test_a_renamed_field_breaks_the_schema(stream_output, schemas, kind, path):
    message = copy.deepcopy(next(m for m in stream_output if m["kind"] == kind))
    parent = message
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1] + "_renamed"] = parent.pop(path[-1])
    assert any(f"'{path[-1]}' is a required property" in p for p in _problems(schemas[kind], message)), json.dumps(
        message)[:300]


def test_a_time_without_its_offset_or_a_malformed_id_breaks_the_schema(stream_output, schemas):
    message = copy.deepcopy(next(m for m in stream_output if m["kind"] == "request_fact"))
    message["data"]["created_at"], message["message_id"] = "2026-11-23 14:05", "not-a-uuid"
    assert sorted(_problems(schemas["request_fact"], message)) == [
        "data/created_at: '2026-11-23 14:05' is not a 'date-time'", "message_id: 'not-a-uuid' is not a 'uuid'"]
