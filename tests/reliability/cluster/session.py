"""A cluster session: three broker nodes as one cluster, the run's own PostgreSQL server, and the whole
system under supervisord with `instances` processes of every service; all stopped on the way out."""
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.run import load_profile
from shared.config import SERVICES
from tests.reliability.chaos.infrastructure import PostgresServer, started
from tests.reliability.chaos.session import _databases, _keep_logs, settings
from tests.reliability.chaos.system import ChaosSystem
from tests.reliability.cluster.nodes import BrokerCluster
from tests.reliability.cluster.run import ClusterRun

RESULTS = Path(__file__).resolve().parents[1] / "results" / "cluster"


@contextmanager
def cluster_session(rate, converge_seconds, instances=2, warm_seconds=10.0, timers="fast", logs_to=None, say=print):
    """Yield a ClusterRun on a freshly started cluster and system; stop everything afterwards."""
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="city311-cluster-"))
        say("starting three RabbitMQ nodes of the run's own and joining them as one cluster ...")
        cluster = stack.enter_context(started(BrokerCluster(f"{workdir}/rabbitmq")))
        say("cluster: " + ", ".join(f"{n.name} at 127.0.0.1:{n.port}" for n in cluster.nodes))
        postgres = stack.enter_context(started(PostgresServer()))
        say(f"PostgreSQL server at 127.0.0.1:{postgres.port}")
        system = ChaosSystem(cluster, _databases("postgresql", workdir, postgres), workdir, settings(timers),
                             instances={service: instances for service in SERVICES})
        # Transportation's simulator stands for a department's own broker: pika takes one URI, its last node
        # (the city's services reach the same queues through the cluster)
        department = cluster.nodes[-1].uri
        for env in {id(p.env): p.env for p in (*system.services.values(), *system.legacy.values())}.values():
            env["TRANSPORTATION_AMQP_URI"] = department
        system.env["TRANSPORTATION_AMQP_URI"] = department
        stack.callback(system.stop)
        if logs_to:
            stack.callback(_keep_logs, workdir, Path(logs_to))
        say(f"starting the system under supervisord ({len(system.process_names())} processes, "
            f"{instances} of every service, AMQP_URI listing the three nodes) ...")
        system.start()
        run = ClusterRun(system, load_profile(), rate, converge_seconds, warm_seconds, cluster, postgres, say=say)
        stack.callback(run.close)
        yield run
