"""Reports that arrive with coordinates only get the nearest known address; a typed one is kept."""
from dataclasses import replace

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from werkzeug.test import Client
from werkzeug.wrappers import Request

from services.intake.models import ServiceRequest
from services.intake.service import IntakeService
from shared.gazetteer.index import jurisdiction_gazetteer
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.unit_of_work import UnitOfWork
from tests.unit.web.conftest import SAMPLE
from tests.unit.web.harness import sample_jurisdiction, web_client

POTHOLE = {"attribute[SIZE]": "large", "description": "Deep hole by the bus stop, please hurry"}
BESIDE_47_PEACHTREE = {"lat": "33.750066", "long": "-84.386545"}    # about 20 m east of it


@pytest.fixture
def web(tmp_path):
    return web_client(tmp_path)


def stored(uow):
    with uow() as u:
        [record] = u.session.execute(select(ServiceRequest)).scalars().all()
        return record


def test_a_report_with_coordinates_only_gets_the_nearest_address_and_keeps_its_point(web):
    client, uow = web
    response = client.form_post("/report/POTHOLE", "/report/POTHOLE", {**POTHOLE, **BESIDE_47_PEACHTREE})
    assert response.status_code == 303, response.get_data(as_text=True)
    record = stored(uow)
    assert (record.address, record.lat, record.long) == ("47 Peachtree St SE", 33.750066, -84.386545)


def test_what_the_resident_typed_is_never_replaced(web):
    client, uow = web
    response = client.form_post("/report/POTHOLE", "/report/POTHOLE",
                                {**POTHOLE, **BESIDE_47_PEACHTREE, "address_string": "by the bus shelter"})
    assert response.status_code == 303
    assert stored(uow).address == "by the bus shelter"


def test_a_point_far_from_every_known_address_gets_none(web):
    client, uow = web
    response = client.form_post("/report/POTHOLE", "/report/POTHOLE",
                                {**POTHOLE, "lat": "33.7400", "long": "-84.3600"})
    assert response.status_code == 303
    assert stored(uow).address is None


# -- Open311: a client that sends lat/long without address_string --------------------------------
@pytest.fixture
def open311(tmp_path):
    """intake's real Open311 POST entrypoint on a fresh database, the sample gazetteer loaded."""
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    upgrade("intake", url)
    sessions = sessionmaker(make_engine(url), expire_on_commit=False)
    jurisdiction = replace(sample_jurisdiction(), gazetteer=jurisdiction_gazetteer(SAMPLE))
    service = worker_factory(IntakeService, uow=lambda: UnitOfWork(sessions, "intake"), jurisdiction=jurisdiction)

    def app(environ, start_response):
        return service.post_resource(Request(environ), "requests.json")(environ, start_response)
    return Client(app), lambda: UnitOfWork(sessions, "intake")


OPEN311_POTHOLE = {"api_key": "dev-web-key", "service_code": "POTHOLE", "attribute[SIZE]": "large",
                   "description": "Deep hole in the right lane"}


def test_an_open311_request_with_a_point_only_gets_the_nearest_address(open311):
    client, uow = open311
    response = client.post("/open311/v2/requests.json", data={**OPEN311_POTHOLE, **BESIDE_47_PEACHTREE})
    assert response.status_code == 200, response.get_data(as_text=True)
    record = stored(uow)
    assert (record.address, record.lat, record.long) == ("47 Peachtree St SE", 33.750066, -84.386545)


def test_an_open311_address_string_is_kept_as_sent(open311):
    client, uow = open311
    response = client.post("/open311/v2/requests.json",
                           data={**OPEN311_POTHOLE, **BESIDE_47_PEACHTREE, "address_string": "behind the library"})
    assert response.status_code == 200
    assert stored(uow).address == "behind the library"


# -- the report page: the nearest address to a map click or "use my location" ----------------------
def test_the_nearest_address_to_a_point_for_the_report_page(web):
    client, _ = web
    response = client.get("/addresses/nearest?lat=33.750066&long=-84.386545")
    assert response.status_code == 200
    assert response.get_json() == {"address": {"address": "47 Peachtree St SE", "lat": 33.750066,
                                               "long": -84.386745}}   # the address point's own place
    assert client.get("/addresses/nearest?lat=33.74&long=-84.36").get_json() == {"address": None}


@pytest.mark.parametrize("query", ["", "?lat=33.75", "?lat=abc&long=-84.38", "?lat=95&long=-84.38",
                                   "?lat=33.75&long=-200", "?lat=nan&long=-84.38"])
def test_a_bad_point_is_a_400_saying_what_to_send(web, query):
    client, _ = web
    response = client.get("/addresses/nearest" + query)
    assert response.status_code == 400
    assert "lat (-90 to 90) and long (-180 to 180)" in response.get_json()["error"]


def test_the_report_form_offers_my_location_and_shows_the_chosen_place_back(web):
    client, _ = web
    page = client.get("/report/POTHOLE").get_data(as_text=True)
    assert 'id="use-location"' in page and "Use my location" in page
    assert 'id="chosen-place"' in page and "Type the address or click the map instead." in page
    # a form sent back for a fix shows the point chosen (and the address the resident typed)
    response = client.form_post("/report/POTHOLE", "/report/POTHOLE",
                                {**POTHOLE, **BESIDE_47_PEACHTREE, "address_string": "by the bus shelter",
                                 "attribute[SIZE]": ""})
    assert response.status_code == 400
    assert "Chosen place: by the bus shelter (33.750066, -84.386545)" in " ".join(
        response.get_data(as_text=True).split())


def test_my_location_in_spanish(web):
    client, _ = web
    client.get("/language/es")
    page = client.get("/report/POTHOLE").get_data(as_text=True)
    assert "Usar mi ubicación" in page and "Escriba la dirección o haga clic en el mapa." in page
