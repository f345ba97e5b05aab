"""GET requests with one end of a window: "what changed since X" answers up to now, paged, or a 400 saying what to send.

In-process through intake's real @http entrypoints (a werkzeug client in front of nameko's worker_factory)
on a migrated SQLite database; requests are filed with POST the way clients file them.
"""
from datetime import datetime, timedelta, timezone

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy.orm import sessionmaker
from werkzeug.test import Client
from werkzeug.wrappers import Request

from services.intake.service import IntakeService
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.unit_of_work import UnitOfWork
from tests.unit.web.harness import sample_jurisdiction

POTHOLE = {"api_key": "dev-web-key", "service_code": "POTHOLE", "lat": "33.7490", "long": "-84.3880",
           "attribute[SIZE]": "large", "description": "Deep hole in the right lane"}


@pytest.fixture
def open311(tmp_path):
    """A client of intake's Open311 entrypoints on a fresh database."""
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    upgrade("intake", url)
    sessions = sessionmaker(make_engine(url), expire_on_commit=False)
    service = worker_factory(IntakeService, uow=lambda: UnitOfWork(sessions, "intake"),
                             jurisdiction=sample_jurisdiction())

    def app(environ, start_response):
        request, path = Request(environ), environ["PATH_INFO"].removeprefix("/open311/v2/")
        entrypoint = service.post_resource if request.method == "POST" else service.get_resource
        return entrypoint(request, path)(environ, start_response)
    return Client(app)


def file_requests(open311, count):
    answers = [open311.post("/open311/v2/requests.json", data=POTHOLE) for _ in range(count)]
    assert [a.status_code for a in answers] == [200] * count, answers[0].get_data(as_text=True)
    return [a.get_json()[0]["service_request_id"] for a in answers]


def listed(open311, **params):
    response = open311.get("/open311/v2/requests.json", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["service_request_id"] for r in response.get_json()]


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_updated_after_alone_answers_everything_changed_since_then_up_to_now(open311):
    filed = file_requests(open311, 2)
    assert listed(open311, updated_after="2000-01-01T00:00:00Z") == filed[::-1]
    assert listed(open311, updated_after=stamp(datetime.now(timezone.utc) - timedelta(days=400))) == filed[::-1]


def test_changes_since_long_ago_come_page_by_page(open311):
    filed = file_requests(open311, 3)
    pages = [listed(open311, updated_after="2000-01-01T00:00:00Z", page_size="2", page=str(p)) for p in (1, 2, 3)]
    assert pages == [filed[:0:-1], filed[:1], []]


def test_updated_after_in_the_future_is_an_empty_list_not_an_error(open311):
    file_requests(open311, 1)
    assert listed(open311, updated_after=stamp(datetime.now(timezone.utc) + timedelta(minutes=5))) == []


def test_start_date_alone_runs_up_to_now(open311):
    filed = file_requests(open311, 1)
    assert listed(open311, start_date=stamp(datetime.now(timezone.utc) - timedelta(days=89))) == filed


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_start_date_alone_more_than_90_days_ago_is_a_400_saying_what_to_send(open311, fmt):
    file_requests(open311, 1)
    response = open311.get(f"/open311/v2/requests.{fmt}", query_string={"start_date": "2000-01-01T00:00:00Z"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "start_date without end_date runs to now, more than the 90 days allowed" in body
    assert "send an end_date at most 90 days after start_date" in body
    assert "updated_after for everything changed since then, page by page" in body
