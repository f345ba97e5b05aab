"""What operations sees of workorders: breakers (in /metrics and /health, transitions logged) and link states."""
from datetime import datetime, timedelta, timezone

from structlog.testing import capture_logs

from services.workorders.breaker import CircuitBreaker
from services.workorders.dependencies import GuardedSystem
from services.workorders.models import WorkOrderLink
from services.workorders.observability import breaker_families, health_fields, link_families
from shared.readiness import Readiness
from tests.unit.services.conftest import unit_of_work  # noqa: F401  (the fixture)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _systems(clock):
    return {name: GuardedSystem(name, object(), CircuitBreaker(name, threshold=2, cooldown=30, clock=clock))
            for name in ("streets", "watershed")}


def _samples(families):
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in families for sample in family.samples}


def test_an_open_breaker_shows_as_open_in_metrics_and_health_and_the_service_stays_ready():
    clock = Clock()
    systems = _systems(clock)
    systems["streets"].breaker.failed()
    systems["streets"].breaker.failed()
    scraped = _samples(breaker_families(systems))
    assert scraped[("city311_workorders_breaker_state", (("state", "open"), ("system", "streets")))] == 1
    assert scraped[("city311_workorders_breaker_state", (("state", "closed"), ("system", "streets")))] == 0
    assert scraped[("city311_workorders_breaker_state", (("state", "closed"), ("system", "watershed")))] == 1
    status, body = Readiness().health(**health_fields(systems))
    assert status == 200
    assert body["department_systems"] == {"streets": "open", "watershed": "closed"}
    assert "streets" in body["note"] and "stays ready" in body["note"]


def test_with_every_breaker_closed_the_health_body_lists_them_without_a_note():
    fields = health_fields(_systems(Clock()))
    assert fields == {"department_systems": {"streets": "closed", "watershed": "closed"}}


def test_breaker_transitions_are_logged_opened_half_open_and_closed():
    clock = Clock()
    breaker = CircuitBreaker("streets", threshold=2, cooldown=30, clock=clock)
    with capture_logs() as logs:
        breaker.failed()
        breaker.failed()
        clock.now = 31
        breaker.check()
        breaker.succeeded()
        breaker.succeeded()   # already closed: nothing to log
    events = [(entry["event"].split(":")[0], entry["system"]) for entry in logs]
    assert events == [("circuit breaker opened", "streets"), ("circuit breaker half-open", "streets"),
                      ("circuit breaker closed", "streets")]


def _link(request_id, system, state, created_at, lease_until=None):
    return WorkOrderLink(service_request_id=request_id, work_order_system=system, state=state, request={},
                         attempts=0, failure_permanent=False, lease_until=lease_until,
                         created_at=created_at, updated_at=created_at)


def test_links_are_counted_by_system_and_state_with_leased_apart_and_the_oldest_pending_age(unit_of_work):
    uow_factory = unit_of_work("workorders")
    now = datetime.now(timezone.utc)
    with uow_factory() as uow:
        uow.session.add_all([
            _link("26-1", "streets", "pending", now - timedelta(seconds=900)),
            _link("26-2", "streets", "pending", now - timedelta(seconds=60), lease_until=now + timedelta(minutes=3)),
            _link("26-3", "streets", "created", now),
            _link("26-4", "watershed", "failed", now),
            _link("26-5", "watershed", "created", now)])
    with uow_factory() as uow:
        scraped = _samples(link_families(uow.session))
    links = {labels: count for (name, labels), count in scraped.items() if name == "city311_workorders_links"}
    assert links == {(("state", "pending"), ("system", "streets")): 1, (("state", "leased"), ("system", "streets")): 1,
                     (("state", "created"), ("system", "streets")): 1,
                     (("state", "failed"), ("system", "watershed")): 1,
                     (("state", "created"), ("system", "watershed")): 1}
    oldest = scraped[("city311_workorders_oldest_pending_link_age_seconds", (("system", "streets"),))]
    assert 900 <= oldest < 3600
    assert ("city311_workorders_oldest_pending_link_age_seconds", (("system", "watershed"),)) not in scraped
