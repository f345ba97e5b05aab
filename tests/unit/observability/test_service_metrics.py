"""/metrics of a service: what it reads from its database at scrape time, and a scrape without a database."""
from datetime import datetime, timedelta, timezone

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError

from shared.observability import Scrape
from shared.persistence.tables import inbox, outbox
from tests.unit.services.conftest import unit_of_work  # noqa: F401  (the fixture)

NO_BROKER = "amqp://guest:guest@127.0.0.1:1/"


def samples(response):
    """{(name, frozenset(labels)): value} of an exposition."""
    text = response.get_data(as_text=True)
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(scraped, name, **labels):
    return scraped[(name, frozenset(labels.items()))]


def _outbox_row(event_id, created_at, published_at=None, parked_at=None):
    return dict(event_id=event_id, exchange="routing.events", routing_key="RequestRouted", payload="{}",
                created_at=created_at, published_at=published_at, parked_at=parked_at, attempts=0)


def test_the_outbox_backlog_its_oldest_row_and_the_inbox_are_read_from_the_database_at_each_scrape(unit_of_work):
    uow_factory = unit_of_work("routing")
    now = datetime.now(timezone.utc)
    with uow_factory() as uow:
        uow.session.execute(insert(outbox), [
            _outbox_row("e-published", now - timedelta(hours=1), published_at=now - timedelta(minutes=59)),
            _outbox_row("e-stuck", now - timedelta(seconds=600)),
            _outbox_row("e-parked", now - timedelta(seconds=300), parked_at=now),
            _outbox_row("e-new", now)])
        uow.session.execute(insert(inbox), [dict(consumer="routing.route_request", event_id=f"e{i}",
                                                 processed_at=now) for i in range(3)])
    scraped = samples(Scrape("routing", NO_BROKER).response(uow_factory))
    assert value(scraped, "city311_outbox_unpublished_events") == 3
    assert value(scraped, "city311_outbox_parked_events") == 1
    assert 600 <= value(scraped, "city311_outbox_oldest_unpublished_age_seconds") < 3600
    assert value(scraped, "city311_inbox_events") == 3
    assert value(scraped, "city311_database_up") == 1


def test_an_empty_outbox_has_no_age(unit_of_work):
    scraped = samples(Scrape("routing", NO_BROKER).response(unit_of_work("routing")))
    assert value(scraped, "city311_outbox_unpublished_events") == 0
    assert value(scraped, "city311_outbox_oldest_unpublished_age_seconds") == 0


def test_a_scrape_without_database_or_broker_still_answers_with_the_process_metrics_and_says_what_is_down():
    class Unreachable:
        def __enter__(self):
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))

        def __exit__(self, *exc):
            return False

    response = Scrape("routing", NO_BROKER).response(Unreachable)
    scraped = samples(response)
    assert response.status_code == 200
    assert value(scraped, "city311_database_up") == 0
    assert value(scraped, "city311_broker_up") == 0
    assert ("city311_outbox_unpublished_events", frozenset()) not in scraped
    assert any(name == "process_cpu_seconds_total" for name, _ in scraped)
