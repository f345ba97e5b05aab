"""A chaos session: the run's own broker node, PostgreSQL server, proxy, databases and supervised system.

Everything started here is stopped on the way out (normal end, exception, Ctrl-C, SIGTERM
turned into SystemExit), the processes' logs kept beside the results.
"""
import shutil
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.run import load_profile
from tests.reliability.chaos.faults import ConnectionReset
from tests.reliability.chaos.infrastructure import BrokerNode, PostgresServer, started
from tests.reliability.chaos.run import ChaosRun
from tests.reliability.chaos.system import ChaosSystem
from tests.support.databases import SERVICES
from tests.support.system import FAST
from tests.support.tcp_proxy import TcpProxy

RESULTS = Path(__file__).resolve().parents[1] / "results"


def settings(timers):
    """The services' timers: deploy/config's (as `make run`, via bench's profile) or the tests' fast ones."""
    deploy = dict(load_profile()["system"]["env"])
    if timers == "fast":
        # the lease stays longer than a department system's slowest look-up and create (the slow faults
        # answer in 5-8 s, inside the adapters' 10 s timeouts); the tests' 5 s would hand a create still
        # under way to the resend timer, as a misconfigured city would
        return {**deploy, **FAST, "WORKORDERS_LEASE_SECONDS": "30"}
    return deploy


@contextmanager
def chaos_session(db, timers, rate, converge_seconds, warm_seconds=10.0, seed=311, logs_to=None, say=print):
    """Yield a ChaosRun on a freshly started system; stop everything afterwards."""
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="city311-chaos-"))
        say(f"starting the run's own RabbitMQ node{' and PostgreSQL server' if db == 'postgresql' else ''} ...")
        node = stack.enter_context(started(BrokerNode(f"{workdir}/rabbitmq")))
        postgres = stack.enter_context(started(PostgresServer())) if db == "postgresql" else None
        say(f"RabbitMQ node at 127.0.0.1:{node.port}"
            + (f", PostgreSQL server at 127.0.0.1:{postgres.port}" if postgres else ""))
        proxy = stack.enter_context(TcpProxy("127.0.0.1", node.port))
        urls = _databases(db, workdir, postgres)
        system = ChaosSystem(node, urls, workdir, settings(timers), proxied=(ConnectionReset.service, proxy))
        stack.callback(system.stop)
        if logs_to:
            stack.callback(_keep_logs, workdir, Path(logs_to))
        say(f"starting the system under supervisord ({db}, {len(system.process_names())} processes) ...")
        system.start()
        run = ChaosRun(system, load_profile(), rate, converge_seconds, warm_seconds, seed,
                       node=node, postgres=postgres, proxy=proxy, say=say)
        stack.callback(run.close)
        yield run


def _databases(db, workdir, postgres):
    if db == "sqlite":
        return {s: f"sqlite:///{workdir}/{s}.sqlite" for s in SERVICES}
    urls = postgres.create_databases([f"c311_{s}" for s in SERVICES])
    return {s: urls[f"c311_{s}"] for s in SERVICES}


def _keep_logs(workdir, folder):
    """The processes' logs outlive the temporary folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for log in Path(workdir).glob("*.log"):
        shutil.copyfile(log, folder / log.name)
