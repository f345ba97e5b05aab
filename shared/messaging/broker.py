"""Make sure a RabbitMQ broker answers at AMQP_URI: use it, start a local node, or say how to get one.

    python -m shared.messaging.broker ensure     # exit 0 when a broker answers, 1 with instructions
"""
import os
import shutil
import socket
import subprocess
import sys
import time
from urllib.parse import urlparse

from shared.config import PROJECT_ROOT

DEFAULT_URI = "amqp://guest:guest@localhost:5672/"
HOW_TO_GET_ONE = """\
No RabbitMQ broker answers at {where}, and no rabbitmq-server is installed here to start one.
Get one of these, then run the command again:
  - Debian/Ubuntu:  sudo apt-get install rabbitmq-server    (make run then starts a node under var/)
  - macOS:          brew install rabbitmq
  - a container:    docker run -d -p 5672:5672 rabbitmq:3.13
  - an existing broker: export AMQP_URI=amqp://user:password@host:5672/vhost
"""


def amqp_uri():
    return os.environ.get("AMQP_URI", DEFAULT_URI)


def _host_port(uri):
    parsed = urlparse(uri)
    return parsed.hostname or "localhost", parsed.port or 5672


def answers(uri, timeout=3.0):
    """True when the broker accepts an AMQP login within `timeout` seconds."""
    from kombu import Connection
    try:
        with Connection(uri, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:
        return False


def start_local_node(port, wait_seconds=90):
    """Start a RabbitMQ node whose data lives under var/rabbitmq; True once it answers."""
    base = PROJECT_ROOT / "var" / "rabbitmq"
    env = dict(os.environ, RABBITMQ_NODENAME="city311@localhost", RABBITMQ_NODE_PORT=str(port),
               RABBITMQ_MNESIA_BASE=str(base / "mnesia"), RABBITMQ_LOG_BASE=str(base / "log"),
               RABBITMQ_DIST_PORT=str(port + 20000))
    (base / "log").mkdir(parents=True, exist_ok=True)
    subprocess.run(["rabbitmq-server", "-detached"], env=env, timeout=60, check=False)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if answers(f"amqp://guest:guest@localhost:{port}/", timeout=2):
            return True
        time.sleep(1)
    return False


def ensure():
    uri = amqp_uri()
    host, port = _host_port(uri)
    where = f"{host}:{port}"
    if answers(uri):
        print(f"broker: RabbitMQ answers at {where}")
        return 0
    local = host in ("localhost", "127.0.0.1", "::1")
    if local and shutil.which("rabbitmq-server") and not _port_open(host, port):
        print(f"broker: none at {where}; starting a local RabbitMQ node (data in var/rabbitmq) ...")
        if start_local_node(port):
            print(f"broker: local node started at {where}")
            return 0
        print(f"broker: the local node did not answer in time; see var/rabbitmq/log", file=sys.stderr)
        return 1
    if _port_open(host, port):
        print(f"broker: something listens at {where} but refuses our login: check AMQP_URI "
              f"(user, password, vhost)", file=sys.stderr)
        return 1
    print(HOW_TO_GET_ONE.format(where=where), file=sys.stderr)
    return 1


def _port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    if sys.argv[1:] != ["ensure"]:
        sys.exit("usage: python -m shared.messaging.broker ensure")
    sys.exit(ensure())
