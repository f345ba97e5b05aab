"""make cluster at small load, as pytest tests: a three-node RabbitMQ cluster of the run's own, two instances
of every service on PostgreSQL; a broker node stopped, started again, an instance of each service killed.

Each step must end with nothing lost, nothing duplicated, every invariant of the chaos table holding and
every process running. Marker `cluster`: `make test` runs it in its second pytest process, after the chaos
subset (see the Makefile); alone: `.venv/bin/pytest -m cluster tests/reliability/test_cluster_subset.py`.
"""
import pytest

from shared.config import SERVICES
from tests.reliability.chaos.infrastructure import what_is_missing
from tests.reliability.cluster.session import cluster_session

pytestmark = [pytest.mark.integration, pytest.mark.cluster,
              pytest.mark.skipif(bool(what_is_missing()), reason=f"the cluster run starts servers of its own: "
                                                                 f"{what_is_missing()}")]

RATE = 1.0
SECONDS, AFTER = 15.0, 10.0
CONVERGE_SECONDS = 150.0


@pytest.fixture(scope="module")
def cluster():
    with cluster_session(RATE, CONVERGE_SECONDS, instances=2, warm_seconds=8.0, say=print) as run:
        yield run


def _clean(step, run):
    assert step.accepted > 0, step.notes
    assert (step.lost, step.duplicated) == (0, 0), step.violations
    assert step.converged, step.violations
    assert run.system.supervisor.not_running() == {}


@pytest.mark.timeout(900)
def test_the_cluster_runs_two_instances_of_every_service_on_quorum_queues_replicated_on_three_nodes(cluster):
    assert len(cluster.cluster.running()) == 3
    for service in SERVICES:
        assert cluster.system.instances_of(service) == [service, f"{service}-2"]
    _leaders, members = cluster.cluster.queue_leaders()
    assert members and all(len(m) == 3 for m in members.values()), members


@pytest.mark.timeout(900)
def test_the_broker_node_leading_most_queues_stopped_under_load_loses_nothing(cluster):
    cluster.choose_leading_node()
    step = cluster.step("broker node leading most queues stopped", cluster.stop_leading_node, SECONDS, AFTER)
    _clean(step, cluster)
    assert cluster.stopped.name not in cluster.cluster.running()


@pytest.mark.timeout(900)
def test_that_node_started_again_rejoins_and_nothing_is_lost(cluster):
    step = cluster.step("that broker node started again", cluster.start_stopped_node, SECONDS, AFTER)
    _clean(step, cluster)
    assert len(cluster.cluster.running()) == 3


@pytest.mark.timeout(900)
def test_kill_9_of_one_instance_of_each_service_under_load_loses_nothing(cluster):
    step = cluster.step("kill -9 one instance of each service", cluster.kill_one_instance_of_each, SECONDS, AFTER)
    _clean(step, cluster)
    assert sorted(step.restarted) == sorted(f"{s}-2" for s in SERVICES)
