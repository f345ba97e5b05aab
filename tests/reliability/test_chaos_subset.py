"""One row of the fault table per kind of fault, at small load: nothing lost, nothing duplicated, all running.

The system is the one `make chaos` starts (its own broker node and PostgreSQL server,
every process under supervisord), with the tests' fast timers and short faults; the
whole table is `make chaos`. Marker `chaos`: `make test` runs this module in a second
pytest process alongside the rest of the suite (its system shares nothing with theirs:
own node, own server, free ports), and `make chaos-subset` runs it alone.
"""
import pytest

from bench.system import ALL_SYSTEMS
from tests.reliability.chaos import faults
from tests.reliability.chaos.infrastructure import what_is_missing
from tests.reliability.chaos.session import chaos_session

pytestmark = [pytest.mark.integration, pytest.mark.chaos,
              pytest.mark.skipif(bool(what_is_missing()), reason=f"the fault table starts servers of its own: "
                                                                 f"{what_is_missing()}")]

RATE = 2.0                 # contacts per second
CONVERGE_SECONDS = 90.0
SECONDS = {"kill -9": 8, "RabbitMQ stopped and started": 10, "connection reset service-broker": 8,
           "PostgreSQL unavailable": 15, "department system down": 15, "department system slow": 10,
           "department system erroring 50 %": 10, "SMTP down": 8, "SMS gateway down": 8,
           "poison and duplicate deliveries": 5, "staff re-route while the first create is slow": 10,
           "events to intake in reversed order": 10}


def _rows():
    rows = faults.one_per_kind(faults.catalogue(ALL_SYSTEMS, postgres=True, kills=2))
    return [pytest.param(f, id=f.kind.replace(" ", "-")) for f in rows]


@pytest.fixture(scope="module")
def chaos():
    with chaos_session("postgresql", "fast", RATE, CONVERGE_SECONDS, warm_seconds=5.0, say=print) as run:
        yield run


@pytest.mark.timeout(600)
@pytest.mark.parametrize("fault", _rows())
def test_after_the_fault_every_request_is_accounted_for_once_and_every_process_runs(chaos, fault):
    row = chaos.row(fault, SECONDS[fault.kind])
    assert row.requests > 0, row.notes
    assert (row.lost, row.duplicated) == (0, 0), row.violations
    assert row.converged, row.violations
    assert chaos.system.supervisor.not_running() == {}
