"""Transportation's documents (what the adapter writes the simulator reads, and back) and the city's journal."""
from datetime import datetime, timedelta, timezone

import pytest

from legacy_systems.transportation import bods as department
from services.workorders.adapters import oagis_bods as city
from services.workorders.adapters.transportation_journal import TransportationJournal
from services.workorders.adapters.vocabulary import change_id
from shared.persistence.migrations import upgrade

ORDER = {"legacy_id": "TMO-000042", "external_reference": "SR-1", "status": "ENTERED"}
CHANGE = {"history_id": 7, "legacy_id": "TMO-000042", "external_reference": "SR-1", "status": "COMPLETED",
          "resolution": "LMP", "at": "2026-03-01T14:05:09.123Z"}


def process(reference="SR-1") -> department.InboundDocument:
    body = city.process_document("bod-1", reference, "LGT-OUT", "2", "Light out & <flickering>", "5 Main St",
                                 33.7, -84.4)
    return department.read_inbound(body, 262144)


def test_process_document_reads_back_in_the_simulator():
    document = process()
    assert (document.verb, document.bod_id, document.correlation_id) == ("Process", "bod-1", "SR-1")
    assert [document.field(path) for path in ("AlternateDocumentID/ID", "MaintenanceOrderTypeCode", "PriorityCode",
                                              "Description", "Location/Address/LineOne",
                                              "Location/Coordinate/Latitude")] == \
        ["SR-1", "LGT-OUT", "2", "Light out & <flickering>", "5 Main St", "33.7"]
    cancel = department.read_inbound(city.cancel_document("bod-2", "bod-2", "TMO-000042", "withdrawn"), 262144)
    assert (cancel.verb, cancel.field("DocumentID/ID")) == ("Cancel", "TMO-000042")


@pytest.mark.parametrize("accepted, reason_code", [(True, None), (False, "DUPLICATE"), (False, "SYSTEM_ERROR")])
def test_acknowledgement_reads_back_in_the_adapter(accepted, reason_code):
    order = ORDER if accepted or reason_code == "DUPLICATE" else None
    bod_id, body = department.acknowledgement(process(), accepted, order, reason_code, reason_code and "Because")
    ack = city.read_acknowledgement(body)
    assert (ack.bod_id, ack.correlation_id, ack.original_bod_id, ack.accepted) == (bod_id, "SR-1", "bod-1", accepted)
    assert (ack.legacy_id, ack.external_reference, ack.reason_code) == \
        (order and order["legacy_id"], "SR-1", reason_code)


def test_sync_reads_back_with_the_same_change_every_time():
    first, again = department.sync(CHANGE), department.sync(CHANGE)
    assert first[0] == again[0]  # the same change always has the same BODID
    record = city.read_sync(first[1])
    assert (record.bod_id, record.legacy_id, record.external_reference, record.status, record.resolution) == \
        (first[0], "TMO-000042", "SR-1", "COMPLETED", "LMP")
    assert record.changed_at == datetime(2026, 3, 1, 14, 5, 9, 123000, tzinfo=timezone.utc)


@pytest.mark.parametrize("body", [
    b"<ns0:AcknowledgeMaintenanceOrder xmlns:ns0='http://www.openapplications.org/oagis/10'><ns0:Appl",
    b"<AcknowledgeMaintenanceOrder/>",
    b'<!DOCTYPE x [<!ENTITY a "b">]><x/>',
    b"",
])
def test_unreadable_documents_are_refused_with_a_reason(body):
    with pytest.raises(ValueError):
        city.read_acknowledgement(body)
    with pytest.raises(ValueError):
        city.read_sync(body)
    with pytest.raises(department.DocumentError):
        department.read_inbound(body, 262144)


def test_sync_without_a_time_is_refused():
    _, body = department.sync({**CHANGE, "at": "yesterday"})
    with pytest.raises(ValueError):
        city.read_sync(body)
    with pytest.raises(department.DocumentError, match="over the limit"):
        department.read_inbound(b"x" * 11, 10)


def _workorders_database(path):
    """A migrated workorders database: the journal's tables are the service's."""
    url = f"sqlite:///{path}"
    upgrade("workorders", url)
    return url


def test_journal_keeps_each_document_once_in_arrival_order(tmp_path):
    journal = TransportationJournal("transportation", _workorders_database(tmp_path / "workorders.sqlite"),
                                    timedelta(days=30))
    ack = city.read_acknowledgement(department.acknowledgement(process(), True, ORDER)[1])
    for _ in range(2):
        journal.record_acknowledgement(ack)
        journal.record_sync(city.read_sync(department.sync(CHANGE)[1]))
    journal.record_sync(city.read_sync(department.sync({**CHANGE, "status": "X", "at": "2026-03-01T14:00:00Z"})[1]))
    assert journal.acknowledgements("SR-1") == [ack]
    (first, completed), (second, later) = journal.sync_after(0, 10)
    assert (completed.status, later.status) == ("COMPLETED", "X") and first < second
    assert journal.sync_after(first, 10) == [(second, later)]
    assert journal.identity() == journal.identity() != \
        TransportationJournal("transportation", _workorders_database(tmp_path / "other.sqlite"),
                              timedelta(days=1)).identity()


def test_journal_forgets_what_is_older_than_the_retention(tmp_path):
    journal = TransportationJournal("transportation", _workorders_database(tmp_path / "workorders.sqlite"),
                                    timedelta(seconds=0))
    journal.record_sync(city.read_sync(department.sync(CHANGE)[1]))
    journal.prune()
    assert journal.sync_after(0, 10) == []


def test_sync_change_id_matches_every_other_report_of_the_same_change():
    record = city.read_sync(department.sync(CHANGE)[1])
    assert change_id("transportation", record.legacy_id, record.status, record.changed_at) == \
        change_id("transportation", "TMO-000042", "COMPLETED", datetime.fromisoformat("2026-03-01T14:05:09.123+00:00"))
