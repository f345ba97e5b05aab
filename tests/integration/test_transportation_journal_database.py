"""Transportation's journal in the workorders database: what one instance took off a queue, every instance reads.

Real SQLite and PostgreSQL. Two workorders instances (on two hosts) build their clients from the service's
DATABASE_URL, as the LegacySystems dependency does; the department's broker is not needed for the journal.
"""
from datetime import timedelta

from sqlalchemy import text

from services.workorders.adapters import build_client
from services.workorders.adapters.oagis_bods import Acknowledgement
from services.workorders.adapters.transportation_journal import TransportationJournal

ACK = Acknowledgement("bod-ack-1", "26-0000801", "bod-process-1", True, "TMO-000801", "26-0000801", "ENTERED",
                      None, None)


def _instance(database_url):
    return build_client("transportation", {"journal_database_url": database_url,
                                           "amqp_uri": "amqp://guest:guest@127.0.0.1:1/"})


def test_an_acknowledge_one_instance_kept_is_found_by_another_in_the_services_database(service_databases):
    workorders = service_databases("workorders")
    with workorders() as uow:
        url = uow.session.get_bind().url.render_as_string(hide_password=False)
    first, second = _instance(url), _instance(url)

    first._journal.record_acknowledgement(ACK)
    second._journal.record_acknowledgement(ACK)   # the same document seen twice is kept once

    assert second._journal.acknowledgements("26-0000801") == [ACK]
    assert first._journal.identity() == second._journal.identity()
    with workorders() as uow:
        kept = uow.session.execute(text("SELECT bod_id, system FROM transportation_acknowledgements")).all()
    assert kept == [("bod-ack-1", "transportation")]


def test_each_system_on_the_transportation_adapter_keeps_its_own_journal(service_databases):
    workorders = service_databases("workorders")
    with workorders() as uow:
        url = uow.session.get_bind().url.render_as_string(hide_password=False)
    ours = _instance(url)._journal
    other = TransportationJournal("another-department", url, timedelta(days=30))

    ours.record_acknowledgement(ACK)

    assert other.acknowledgements("26-0000801") == [] and other.identity() != ours.identity()
