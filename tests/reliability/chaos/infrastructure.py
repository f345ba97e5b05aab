"""The broker node and PostgreSQL server a chaos run owns: started in a temporary folder, never the machine's.

Both can be stopped and started again mid-run (the faults "RabbitMQ stopped" and
"PostgreSQL unavailable"), which is why the run must own them.
"""
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from shared.messaging import broker
from tests.support.processes import free_port
from tests.support.waiting import wait_until

POSTGRES_BIN = Path(os.environ.get("CITY311_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
START_SECONDS = 300
POSTGRES_USER = "postgres"   # initdb and the server refuse to run as root: they run as this user


def what_is_missing():
    """Why this machine cannot start the run's own broker node and PostgreSQL server ("" when it can)."""
    missing = []
    if not broker.server_installed():
        missing.append("rabbitmq-server is not installed (sudo apt-get install rabbitmq-server)")
    if not (POSTGRES_BIN / "initdb").exists():
        missing.append(f"no PostgreSQL initdb in {POSTGRES_BIN} (install postgresql, or set CITY311_POSTGRES_BIN)")
    return "; ".join(missing)


class BrokerNode:
    """The project's own RabbitMQ node on a free port, its files under `base`."""

    def __init__(self, base):
        self.base = Path(base)
        self.port = free_port()
        self.uri = f"amqp://guest:guest@localhost:{self.port}/"

    def start(self):
        # a bound, not a pause: three nodes starting at once beside a test suite took over 90 s on 2 busy cores
        if not broker.start_local_node(self.port, base=self.base, wait_seconds=START_SECONDS):
            raise RuntimeError(f"the chaos broker node did not start:\n{broker._log_tail(self.base)}")
        return self

    def ctl(self):
        """rabbitmqctl for this node only: never RABBITMQCTL from the environment, which names the broker the
        tests run on (under pytest, the machine's: a chaos fault once stopped the machine's broker through it)."""
        note = broker.local_node_note(self.uri, base=self.base)
        if note is None:
            raise RuntimeError(f"no node of this run's own serves port {self.port} (not started, or stopped)")
        return [note["rabbitmqctl"], "-n", note["node"]]

    def stop_app(self):
        """The broker stops serving (every connection drops); the node stays, so start_app brings it back."""
        self._ctl("stop_app")

    def start_app(self):
        self._ctl("start_app")
        wait_until(lambda: broker.answers(self.uri, timeout=2), 90, 1, "the chaos broker serving again")

    def stop(self):
        broker.stop_local_node(base=self.base)

    def _ctl(self, *args):
        done = subprocess.run([*self.ctl(), *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {done.stderr[-500:]}")


class PostgresServer:
    """A PostgreSQL server instance of the run's own (initdb in a temporary folder), run as `postgres`."""

    def __init__(self, base=None):
        # its own folder under /tmp: the server's user must reach it, and the run's folder is private to root
        self.base = Path(base or tempfile.mkdtemp(prefix="city311-chaos-postgres-"))
        self.data, self.sockets = self.base / "data", self.base / "sockets"
        self.port = free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self):
        if not (POSTGRES_BIN / "initdb").exists():
            raise RuntimeError(f"no PostgreSQL server binaries in {POSTGRES_BIN} (set CITY311_POSTGRES_BIN)")
        self.sockets.mkdir(parents=True, exist_ok=True)
        self._own(self.base)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        # enough connections for five services' pools (and their replicas after restarts)
        (self.data / "postgresql.auto.conf").write_text(
            "max_connections = 300\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        self.start_server()
        return self

    def start_server(self):
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-o", options, "-w",
                  "-t", "60", "start")

    def stop_server(self):
        """Fast shutdown: every connection is cut, as when the database host goes away."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def running(self):
        return subprocess.run(self._as_postgres("pg_ctl", "-D", str(self.data), "status"),
                              capture_output=True).returncode == 0

    def create_databases(self, names):
        """{name: url} of new, empty databases on this server."""
        import psycopg2
        connection = psycopg2.connect(self.admin_url, connect_timeout=10)
        connection.autocommit = True
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return {name: f"postgresql://postgres@127.0.0.1:{self.port}/{name}" for name in names}

    def stop(self):
        try:
            if self.data.exists() and self.running():
                self.stop_server()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def _own(self, path):
        if os.geteuid() == 0:
            shutil.chown(path, POSTGRES_USER)
            shutil.chown(self.sockets, POSTGRES_USER)

    def _run(self, program, *args):
        done = subprocess.run(self._as_postgres(program, *args), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr[-800:] or done.stdout[-800:]}")

    @staticmethod
    def _as_postgres(program, *args):
        argv = [str(POSTGRES_BIN / program), *args]
        return ["runuser", "-u", POSTGRES_USER, "--", *argv] if os.geteuid() == 0 else argv


@contextmanager
def started(thing):
    """Start a BrokerNode or PostgresServer; stop it on the way out, whatever happened."""
    try:
        yield thing.start()
    finally:
        thing.stop()
