"""A service started while its broker or its database is unreachable waits, says so on /health, then works.

The broker and the database are reached through a TCP proxy the test owns: it refuses
connections (the server is "unreachable") until the test lets them through.
"""
import json
import os
import uuid
from contextlib import contextmanager
from urllib.parse import urlparse, urlunparse

import pytest
import requests
from sqlalchemy.engine import make_url

from shared.events import new_event
from shared.persistence.migrations import upgrade
from tests.support.bus import BusTap, publish_raw
from tests.support.databases import SERVICES, database_urls, postgres_reachable
from tests.support.processes import free_port, nameko_process
from tests.support.system import FAST
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_until

EXAMPLE = "shared/events/examples/RequestCreated.v1.json"


def _through(uri, proxy):
    parsed = urlparse(uri)
    netloc = f"{parsed.username}:{parsed.password}@127.0.0.1:{proxy.port}" if parsed.username \
        else f"127.0.0.1:{proxy.port}"
    return urlunparse(parsed._replace(netloc=netloc))


def _service(name, tmp_path, amqp_uri, database_url):
    port = free_port()
    env = dict(os.environ, **FAST, AMQP_URI=amqp_uri, **{f"{name.upper()}_DATABASE_URL": database_url,
                                                          f"{name.upper()}_HTTP_ADDRESS": f"127.0.0.1:{port}"})
    return nameko_process(name, env, port, tmp_path), f"http://127.0.0.1:{port}/health"


def _routing(tmp_path, amqp_uri, database_url):
    return _service("routing", tmp_path, amqp_uri, database_url)


def _health(url):
    response = requests.get(url, timeout=10)
    return response.status_code, response.json()


def _waiting_for(url, what):
    status, body = _health(url)
    return body if status == 503 and body["status"] == "waiting" and what in body["waiting_for"] else None


def _request_created():
    data = json.loads(open(EXAMPLE).read())
    data["service_request_id"] = f"26-{uuid.uuid4().int % 10**7:07d}"
    return new_event("RequestCreated", data, data["service_request_id"], "intake")


def _routes_a_request(amqp_uri):
    with BusTap(amqp_uri) as tap:
        event = _request_created()
        publish_raw(amqp_uri, "intake", "RequestCreated", event)
        return wait_until(lambda: tap.of_type("RequestRouted", event["correlation_id"]), 60,
                          what="the request routed")


@pytest.fixture
def routing_database(tmp_path):
    url = f"sqlite:///{tmp_path}/routing.sqlite"
    upgrade("routing", url)
    return url


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_started_before_its_broker_answers_health_with_waiting_then_ok(tmp_path, amqp_uri, name):
    database_url = f"sqlite:///{tmp_path}/{name}.sqlite"
    upgrade(name, database_url)
    host, port = urlparse(amqp_uri).hostname, urlparse(amqp_uri).port or 5672
    with TcpProxy(host, port) as proxy:
        proxy.refuse()
        service, health = _service(name, tmp_path, _through(amqp_uri, proxy), database_url)
        service.start(wait=False)
        try:
            wait_until(lambda: _waiting_for(health, "broker"), 60, what=f"{name}'s health saying it waits")
            proxy.forward()
            wait_until(lambda: _health(health)[0] == 200, 90, what=f"{name}'s health saying ok")
            assert _health(health)[1]["status"] == "ok" and service.popen.poll() is None
        finally:
            service.stop()


def test_a_service_started_before_its_broker_waits_says_so_and_consumes_once_the_broker_answers(
        tmp_path, amqp_uri, routing_database):
    host, port = urlparse(amqp_uri).hostname, urlparse(amqp_uri).port or 5672
    with TcpProxy(host, port) as proxy:
        proxy.refuse()
        service, health = _routing(tmp_path, _through(amqp_uri, proxy), routing_database)
        service.start(wait=False)
        try:
            body = wait_until(lambda: _waiting_for(health, "broker"), 60, what="health saying it waits")
            assert body["detail"] and f"waiting for the broker at 127.0.0.1:{proxy.port}" in body["detail"][0]
            assert "waiting for the broker" in service.tail()
            proxy.forward()
            wait_until(lambda: _health(health) == (200, {"status": "ok"}), 90, what="health saying ok")
            assert service.popen.poll() is None
            assert _routes_a_request(amqp_uri)
        finally:
            service.stop()


@contextmanager
def _database_behind_a_proxy(name, tmp_path):
    """A fresh, migrated PostgreSQL database of service `name`, reached through a proxy: (its URL, the proxy)."""
    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    with database_urls("postgresql", tmp_path) as urls:
        upgrade(name, urls[name])
        direct = make_url(urls[name])
        with TcpProxy(direct.host, direct.port or 5432) as proxy:
            yield direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy


@pytest.mark.postgres
@pytest.mark.parametrize("name", SERVICES)
def test_every_service_started_before_its_database_answers_health_with_waiting_then_ok(tmp_path, amqp_uri, name):
    with _database_behind_a_proxy(name, tmp_path) as (database_url, proxy):
        proxy.refuse()
        service, health = _service(name, tmp_path, amqp_uri, database_url)
        service.start(wait=False)
        try:
            wait_until(lambda: _waiting_for(health, "database"), 60, what=f"{name}'s health saying it waits")
            proxy.forward()
            wait_until(lambda: _health(health)[0] == 200, 90, what=f"{name}'s health saying ok")
            assert service.popen.poll() is None
        finally:
            service.stop()


@pytest.mark.postgres
def test_a_service_waits_for_its_database_then_reports_when_it_stops_answering(tmp_path, amqp_uri):
    with _database_behind_a_proxy("routing", tmp_path) as (database_url, proxy):
        proxy.refuse()
        service, health = _routing(tmp_path, amqp_uri, database_url)
        service.start(wait=False)
        try:
            wait_until(lambda: _waiting_for(health, "database"), 60, what="health saying it waits")
            assert "waiting for the database" in service.tail()
            proxy.forward()
            wait_until(lambda: _health(health) == (200, {"status": "ok"}), 90, what="health saying ok")
            assert _routes_a_request(amqp_uri)
            proxy.refuse()
            body = wait_until(lambda: _waiting_for(health, "database"), 60, what="health noticing")
            assert f"127.0.0.1:{proxy.port}" in body["detail"][0]
            assert service.popen.poll() is None
        finally:
            service.stop()


def _consumers_by_queue(amqp_uri):
    """How many consumers each queue of the test's vhost has, from the broker's channels (not its lagging stats)."""
    from tests.support.broker import _rabbitmqctl
    vhost = urlparse(amqp_uri).path.lstrip("/") or "/"
    listed = _rabbitmqctl("list_consumers", "-p", vhost, "--no-table-headers", "--quiet", "queue_name")
    assert listed.returncode == 0, listed.stderr
    queues = [line.strip() for line in listed.stdout.splitlines() if line.strip()]
    return {queue: queues.count(queue) for queue in queues}


def test_a_service_says_ok_only_once_every_handler_consumes(tmp_path, amqp_uri, routing_database):
    """/health is what harnesses and operators wait on: an event published on its word finds a bound queue.

    The broker is behind a slow link, so declaring and starting to consume take seconds after the web server answers.
    """
    parsed = urlparse(amqp_uri)
    with TcpProxy(parsed.hostname, parsed.port or 5672) as proxy:
        proxy.latency = 0.1
        routing, health = _routing(tmp_path, _through(amqp_uri, proxy), routing_database)
        routing.start(wait=False)
        _check_consuming_at_first_ok(routing, health, amqp_uri)


def _check_consuming_at_first_ok(routing, health, amqp_uri):
    try:
        def first_ok():
            try:
                return requests.get(health, timeout=1).status_code == 200
            except requests.ConnectionError:
                return False
        wait_until(first_ok, 60, 0.02, "routing's first 200 on /health")
        consumers = _consumers_by_queue(amqp_uri)
        assert {queue: consumers.get(queue, 0) for queue in _routing_work_queues()} == \
            {queue: 1 for queue in _routing_work_queues()}
    finally:
        routing.stop()


def _routing_work_queues():
    from services.routing.service import RoutingService
    from shared.messaging.declare import handlers_of
    from shared.messaging.topology import work_queue_name
    return [work_queue_name(source, event_type, "routing", method)
            for source, event_type, method in handlers_of(RoutingService)]
