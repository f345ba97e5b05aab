"""A PostgreSQL server of the test's own, in a temporary folder on a free port, that a test can stop and start.

Never the machine's server. Run as the `postgres` user when the tests run as root (PostgreSQL refuses root).
"""
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.processes import free_port

BIN = Path(os.environ.get("CITY311_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


def available():
    return (BIN / "initdb").exists() and (os.geteuid() != 0 or _user_exists("postgres"))


def _user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


class PostgresServer:
    """`with PostgresServer() as server:` a running server at `server.url`; `stop()` and `start()` it at will."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="city311-pg-"))
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def __enter__(self):
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", self.folder / "data", "-A", "trust", "-U", "postgres")
        self.start()
        return self

    def __exit__(self, *exc):
        try:
            self.stop(check=False)   # the test may have left it stopped
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def start(self):
        self._run("pg_ctl", "-D", self.folder / "data", "-l", self.folder / "server.log", "-w", "start",
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1")

    def stop(self, check=True):
        """Stop at once, as a crash or a lost server would: every connection is cut."""
        self._run("pg_ctl", "-D", self.folder / "data", "-m", "immediate", "-w", "stop", check=check)

    def _run(self, program, *args, check=True):
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_postgres, str(BIN / program), *map(str, args)], check=check, capture_output=True,
                       timeout=60)
