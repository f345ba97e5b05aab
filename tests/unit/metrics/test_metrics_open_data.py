"""The open-data export as 311 portals publish it: block-level addresses, local times with their offset, a
detailed status, service group, duplicates and their parent, channel; incremental by `updated_after`;
streamed; described by a Frictionless Data Package that the real CSV validates against."""
import csv
import io
import itertools
import json
import shutil

import pytest
from frictionless import Package, Resource, Schema
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.metrics import export, geography
from services.metrics.blocks import block_of
from services.metrics.service import MetricsService
from shared.config import PROJECT_ROOT
from tests.unit.metrics.test_metrics_facts import PERSONAL, deliver
from tests.unit.metrics.test_metrics_measures import fact
from tests.unit.metrics.timed_events import at, lifecycle, timed

SAMPLE = geography.load(PROJECT_ROOT / "deploy" / "jurisdictions" / "sample")
PERIOD = "from=2026-11-01&to=2026-11-30"
DOCS_PACKAGE = PROJECT_ROOT / "docs" / "datapackage.json"


def get(query=""):
    return Request(EnvironBuilder(path="/", query_string=query).get_environ())


@pytest.fixture
def worker(unit_of_work):
    return worker_factory(MetricsService, uow=unit_of_work("metrics"), geography=SAMPLE)


def exported(worker, query=PERIOD):
    response = worker.get_export(get(query), "csv")
    assert response.status_code == 200, response.get_data(as_text=True)
    return {r["service_request_id"]: r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}


# -- addresses: the block, never the house -------------------------------------------------------------------
@pytest.mark.parametrize("address, block", [
    ("55 Trinity Ave SW", "0 block of Trinity Ave SW"),
    ("165 Peachtree St SE", "100 block of Peachtree St SE"),
    ("1600 Pennsylvania Avenue NW, Washington, DC 20500", "1600 block of Pennsylvania Avenue NW"),
    ("488-490 Peachtree St NE Apt 4", "400 block of Peachtree St NE"),
    ("123 1/2 Main St", "100 block of Main St"),
    ("Peachtree St SE & Edgewood Ave", "Peachtree St SE & Edgewood Ave"),
    ("behind the old school", None), ("55", None), ("PO Box 12", None), ("", None), (None, None),
])
def test_an_address_becomes_its_block_or_nothing(address, block):
    assert block_of(address) == block


def test_the_export_shows_the_block_and_never_the_house_number(worker):
    for event in lifecycle("26-0000001"):
        if event["event_type"] == "RequestCreated":
            event["data"]["address"] = "165 Peachtree St SE, Apt 12"
        deliver(worker, event)
    text = worker.get_export(get(PERIOD), "csv").get_data(as_text=True)
    assert exported(worker)["26-0000001"]["address_block"] == "100 block of Peachtree St SE"
    assert "165" not in text and "Apt" not in text
    assert "165 Peachtree" not in json.dumps(json.loads(worker.get_request_fact(None, "26-0000001").get_data()))


# -- times, status, group, duplicates, channel ------------------------------------------------------------------
def test_times_are_local_with_their_offset_to_the_second(worker):
    for event in lifecycle("26-0000001"):
        deliver(worker, event)
    row = exported(worker)["26-0000001"]
    # T0 is 2026-11-20 10:00 UTC: 05:00 in Atlanta's winter (EST, -05:00); no microseconds, never bare UTC.
    assert row["requested_datetime"] == "2026-11-20T05:00:00-05:00"
    assert row["closed_datetime"] == "2026-11-21T01:00:00-05:00"
    assert row["expected_datetime"] == "2026-11-22T05:00:00-05:00"


@pytest.mark.parametrize("stages, status", [
    (["received"], "open"), (["received", "routed", "work_order_created"], "open"),
    (["received", "assigned"], "assigned"), (["received", "assigned", "in_progress"], "in_progress"),
    (["received", "assigned", "on_hold"], "on_hold"), (["received", "cancelled"], "cancelled"),
    (["received", "in_progress", "closed"], "closed"), (["received", "closed", "reopened"], "open"),
])
def test_the_status_is_as_detailed_as_the_facts_know(worker, stages, status):
    deliver(worker, timed("RequestCreated", 0, "26-0000001", requested_at=at(0)))
    for hour, stage in enumerate(stages, 1):
        public = "closed" if stage == "closed" else "open"
        deliver(worker, timed("RequestStatusChanged", hour, "26-0000001", status=public, previous_status=None,
                              stage=stage, changed_at=at(hour)))
    assert exported(worker)["26-0000001"]["status"] == status


def test_a_duplicate_is_flagged_with_its_parent_and_carries_group_and_channel(worker):
    for sid in ("26-0000001", "26-0000002"):
        deliver(worker, timed("RequestCreated", 0, sid, requested_at=at(0), channel="phone"))
    deliver(worker, timed("RequestDuplicateDetected", 1, "26-0000002", parent_request_id="26-0000001"))
    rows = exported(worker)
    assert (rows["26-0000002"]["status"], rows["26-0000002"]["is_duplicate"],
            rows["26-0000002"]["parent_service_request_id"]) == ("duplicate", "true", "26-0000001")
    assert (rows["26-0000001"]["is_duplicate"], rows["26-0000001"]["parent_service_request_id"]) == ("false", "")
    assert rows["26-0000001"]["service_group"] == "Streets & Sidewalks"
    assert rows["26-0000001"]["channel"] == "phone"


# -- incremental, unbounded, streamed -------------------------------------------------------------------------
def test_updated_after_gives_only_what_changed_since_whatever_the_creation_date(worker):
    deliver(worker, timed("RequestCreated", 0, "26-0000001", requested_at="2019-03-01T12:00:00+00:00"))
    after = worker.get_request_fact(None, "26-0000001")
    cursor = json.loads(after.get_data())["updated_at"]
    deliver(worker, timed("RequestCreated", 0, "26-0000002", requested_at=at(0)))
    deliver(worker, timed("WorkOrderUpdated", 1, "26-0000001", changed_at=at(1)))  # an old request changes
    rows = exported(worker, "updated_after=" + cursor.replace("+", "%2B"))
    assert set(rows) == {"26-0000001", "26-0000002"}
    assert set(exported(worker, "updated_after=2100-01-01")) == set()


def test_updated_after_must_be_a_time(worker):
    response = worker.get_export(get("updated_after=yesterday"), "csv")
    assert response.status_code == 400 and "updated_after" in json.loads(response.get_data())["error"]


def test_a_period_of_years_is_streamed_not_refused(worker):
    deliver(worker, timed("RequestCreated", 0, "26-0000001", requested_at="2021-06-01T12:00:00+00:00"))
    response = worker.get_export(get("from=2020-01-01&to=2026-01-01"), "csv")
    assert response.status_code == 200 and response.is_streamed
    assert list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))[0]["service_request_id"] == "26-0000001"


def test_a_record_has_the_columns_of_the_data_package_in_their_order():
    assert tuple(export.row(fact(1), SAMPLE)) == export.FIELDS


def test_the_csv_is_written_as_the_rows_come_not_after_the_last_one():
    endless = (fact(n) for n in itertools.count(1))
    chunks = export.csv_chunks(endless, SAMPLE)
    header, first = next(chunks), next(chunks)
    assert header.startswith("service_request_id,") and first.count("\r\n") == export.ROWS_PER_CHUNK


def test_the_json_export_is_streamed_and_still_one_document(worker):
    for event in lifecycle("26-0000001"):
        deliver(worker, event)
    response = worker.get_export(get(PERIOD), "json")
    assert response.is_streamed
    body = json.loads(response.get_data())
    assert body["count"] == 1 and body["requests"][0]["status"] == "closed"
    assert body["meta"]["fields"] == list(export.FIELDS) and body["meta"]["timezone"] == "America/New_York"
    assert not [p for p in PERSONAL if p in json.dumps(body)]


# -- the Data Package ------------------------------------------------------------------------------------------
def test_the_data_package_is_valid_and_names_every_column_in_order(tmp_path):
    report = Package.validate_descriptor(str(DOCS_PACKAGE))
    assert report.valid, report.flatten(["type", "note"])
    assert [f.name for f in Package(str(DOCS_PACKAGE)).resources[0].schema.fields] == list(export.FIELDS)
    broken = json.loads(DOCS_PACKAGE.read_text())  # the validator does refuse a broken descriptor
    broken["resources"][0]["schema"]["fields"][0]["constraints"]["required"] = "yes"
    (tmp_path / "datapackage.json").write_text(json.dumps(broken))
    assert not Package.validate_descriptor(str(tmp_path / "datapackage.json")).valid


def test_the_data_dictionary_names_every_column():
    dictionary = (PROJECT_ROOT / "docs" / "open-data.md").read_text()
    assert [name for name in export.FIELDS if f"| `{name}` |" not in dictionary] == []


def test_the_served_data_package_is_the_one_in_docs_pointing_at_the_export(worker):
    response = worker.get_datapackage(get())
    served = json.loads(response.get_data())
    assert response.status_code == 200 and served["resources"][0]["path"] == "http://localhost/api/export.csv"
    docs = json.loads(DOCS_PACKAGE.read_text())
    served["resources"][0]["path"] = docs["resources"][0]["path"]
    assert served == docs


def a_real_export(worker):
    for n, event in enumerate(lifecycle("26-0000001") + lifecycle("26-0000002")):
        if event["event_type"] == "WorkOrderClosed":
            event["data"]["resolution"] = "=HYPERLINK(\"http://evil.example\")"
        deliver(worker, event)
    deliver(worker, timed("RequestCreated", 0, "26-0000003", requested_at=at(3), address=None, lat=None, long=None))
    deliver(worker, timed("RequestDuplicateDetected", 1, "26-0000002", parent_request_id="26-0000001"))
    return worker.get_export(get(PERIOD), "csv").get_data(as_text=True)


def validate(tmp_path, text):
    docs = json.loads(DOCS_PACKAGE.read_text())
    (tmp_path / docs["resources"][0]["path"]).write_text(text, newline="")
    shutil.copy(DOCS_PACKAGE, tmp_path / "datapackage.json")
    return Package(str(tmp_path / "datapackage.json")).validate()


def test_a_real_export_validates_against_the_data_package(worker, tmp_path):
    report = validate(tmp_path, a_real_export(worker))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == 3


@pytest.mark.parametrize("column, bad", [("status", "bogus"), ("address_block", "165 Peachtree St SE"),
                                         ("requested_datetime", "2026-11-20 10:00"), ("lat", "north")])
def test_the_data_package_refuses_a_wrong_cell(worker, tmp_path, column, bad):
    rows = list(csv.DictReader(io.StringIO(a_real_export(worker))))
    rows[0][column] = bad
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=export.FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    report = validate(tmp_path, out.getvalue())
    assert not report.valid and column in str(report.flatten(["fieldName"]))


def test_a_resource_validates_alone_with_the_schema(worker, tmp_path):
    """The schema also works without the package around it (a portal importing one table)."""
    docs = json.loads(DOCS_PACKAGE.read_text())
    (tmp_path / "requests.csv").write_text(a_real_export(worker), newline="")
    resource = Resource(path="requests.csv", basepath=str(tmp_path),
                        schema=Schema.from_descriptor(docs["resources"][0]["schema"]))
    assert resource.validate().valid
