"""Make sure a RabbitMQ broker answers at AMQP_URI: use it, start a local node, or say how to get one.

    python -m shared.messaging.broker ensure     # exit 0 when a broker answers, 1 with instructions
    python -m shared.messaging.broker ctl        # the rabbitmqctl command line for that broker
    python -m shared.messaging.broker stop       # stop the local node `ensure` started, if any

Operations need the broker's own tooling: the management UI and HTTP API (queues, dead letters,
policies), its Prometheus endpoint, and the stream protocol (analysts' native stream clients on
`metrics.stream`). The project's own node starts with those plugins; on another broker on this
machine `ensure` enables them (`rabbitmq-plugins enable` needs no restart), and on a remote one it
says how.

The local node is the project's own: its data, logs, configuration and a note of its name live
under var/rabbitmq, it listens only on 127.0.0.1 at AMQP_URI's port, and it runs as the user who
ran `make` (Debian's `rabbitmq-server` wrapper would switch to the `rabbitmq` user, who cannot
write under var/, and the machine's /etc/rabbitmq files would pin it to another port).
"""
import argparse
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from shared.config import PROJECT_ROOT

DEFAULT_URI = "amqp://guest:guest@localhost:5672/"
LOCAL_BASE = PROJECT_ROOT / "var" / "rabbitmq"
# Written by `ensure` when it had to start the project's own node on another port (the default broker's port is
# held by something that does not answer AMQP): make run and make test export it as AMQP_URI.
FALLBACK_URI_FILE = PROJECT_ROOT / "var" / "run" / "amqp_uri"
# Written when `ensure --own-node` started the node for make test, which then stops it when done.
STARTED_FOR_TESTS_FILE = FALLBACK_URI_FILE.with_name("broker_started_for_tests")
NODE_NOTE = "node.json"
# Debian installs the real scripts here and a root-only wrapper on PATH
DEBIAN_SCRIPTS = Path("/usr/lib/rabbitmq/bin")
TOOLING_PLUGINS = ("rabbitmq_management", "rabbitmq_prometheus", "rabbitmq_stream")
# the plugins' standard ports, for a node on the standard AMQP port
STANDARD_TOOLING_PORTS = {"management": 15672, "prometheus": 15692, "stream": 5552}
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
    parsed = urlparse(uri.split(";")[0].strip())   # a cluster's list (shared/messaging/nodes.py): its first node
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


def _script(name):
    """The RabbitMQ script to run directly: Debian's real one, else whatever PATH has."""
    real = DEBIAN_SCRIPTS / name
    if real.is_file() and os.access(real, os.X_OK):
        return str(real)
    return shutil.which(name)


def server_installed():
    """True when this machine can start a RabbitMQ node of the project's own (rabbitmq-server is installed)."""
    return _script("rabbitmq-server") is not None


def _dist_port(port):
    """RabbitMQ's own rule (25672) for the standard AMQP port; else a free one now (AMQP port + 20000, RabbitMQ's
    rule, may be a port some connection holds: a test's node once failed to start on it under load)."""
    if port == 5672:
        return 25672
    return _free_port()


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _node_env(base, port, dist_port=None):
    node = f"city311-{port}@localhost"
    return node, dict(
        os.environ,
        RABBITMQ_NODENAME=node,
        RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
        RABBITMQ_NODE_PORT=str(port),
        RABBITMQ_DIST_PORT=str(dist_port or _dist_port(port)),
        RABBITMQ_MNESIA_BASE=str(base / "mnesia"),
        RABBITMQ_LOG_BASE=str(base / "log"),
        RABBITMQ_CONFIG_FILE=str(base / "rabbitmq.conf"),
        RABBITMQ_CONF_ENV_FILE=str(base / "rabbitmq-env.conf"),
        RABBITMQ_ENABLED_PLUGINS_FILE=str(base / "enabled_plugins"),
        RABBITMQ_PID_FILE=str(base / "node.pid"),
        ERL_EPMD_ADDRESS="127.0.0.1",
    )


def tooling_ports(port):
    """The management, Prometheus and stream ports of a node on AMQP `port`.

    The standard ones for the standard AMQP port (`make run` on a machine with no broker); free ones
    otherwise, so a test's or the chaos run's node never collides with the machine's broker.
    """
    if port == 5672:
        return dict(STANDARD_TOOLING_PORTS)
    return {name: _free_port() for name in STANDARD_TOOLING_PORTS}


def _node_config(port, tooling):
    return (f"listeners.tcp.local = 127.0.0.1:{port}\n"
            "loopback_users.guest = true\n"
            # a development node: quorum queues cost file handles, tests make many
            "vm_memory_high_watermark.relative = 0.6\n"
            f"management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = {tooling['management']}\n"
            f"prometheus.tcp.ip = 127.0.0.1\nprometheus.tcp.port = {tooling['prometheus']}\n"
            f"stream.listeners.tcp.1 = 127.0.0.1:{tooling['stream']}\n")


def start_local_node(port, base=LOCAL_BASE, wait_seconds=90, extra_config=""):
    """Start a RabbitMQ node whose files live under `base`; True once it answers at `port`.

    `extra_config`: more rabbitmq.conf lines (a TLS listener: docs/security-broker.md)."""
    server = _script("rabbitmq-server")
    if server is None:
        return False
    base = Path(base)
    (base / "log").mkdir(parents=True, exist_ok=True)
    tooling = tooling_ports(port)
    # our own files, so the machine's /etc/rabbitmq (node name, listeners) does not apply
    (base / "rabbitmq.conf").write_text(_node_config(port, tooling) + extra_config)
    (base / "rabbitmq-env.conf").write_text("")
    (base / "enabled_plugins").write_text(f"[{','.join(TOOLING_PLUGINS)}].\n")
    dist_port = _dist_port(port)
    node, env = _node_env(base, port, dist_port)
    ctl = _script("rabbitmqctl")
    (base / NODE_NOTE).write_text(json.dumps({"node": node, "port": port, "dist_port": dist_port,
                                              "rabbitmqctl": ctl, "tooling_ports": tooling}))
    # more file handles where the hard limit allows: each quorum queue holds several
    command = f"ulimit -n $(ulimit -Hn) 2>/dev/null; exec {shlex.quote(server)} -detached"
    subprocess.run(["sh", "-c", command], env=env, cwd=base, timeout=60, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if answers(f"amqp://guest:guest@localhost:{port}/", timeout=2):
            return True
        time.sleep(1)
    return False


def stop_local_node(base=LOCAL_BASE, timeout=60):
    """Stop the node start_local_node started under `base`; False when there is none."""
    note = _local_note(base)
    if note is None:
        return False
    env = _node_env(Path(base), note["port"], note.get("dist_port"))[1]
    subprocess.run([note["rabbitmqctl"], "-n", note["node"], "stop"], env=env,
                   capture_output=True, timeout=timeout, check=False)
    return True


def _local_note(base=LOCAL_BASE):
    try:
        note = json.loads((Path(base) / NODE_NOTE).read_text())
    except (OSError, ValueError):
        return None
    return note if note.get("rabbitmqctl") else None


def rabbitmqctl_argv(uri=None, base=LOCAL_BASE):
    """The command that administers the broker at `uri` (vhosts for tests and simulators).

    RABBITMQCTL in the environment wins; the project's own local node when it serves that port;
    else the machine's `rabbitmqctl`.
    """
    if os.environ.get("RABBITMQCTL"):
        return shlex.split(os.environ["RABBITMQCTL"])
    note = local_node_note(uri or amqp_uri(), base)
    if note:
        return [note["rabbitmqctl"], "-n", note["node"]]
    return ["rabbitmqctl"]


def local_node_note(uri, base=LOCAL_BASE):
    """What the project's own node serving `uri` noted at its start (ports, rabbitmqctl); None otherwise."""
    host, port = _host_port(uri)
    note = _local_note(base)
    if note and note.get("port") == port and host in ("localhost", "127.0.0.1"):
        return note
    return None


def _plugins_argv(uri):
    """rabbitmq-plugins for the broker at `uri`: the project's own node's, or the machine's."""
    note = local_node_note(uri)
    if note:
        return [str(Path(note["rabbitmqctl"]).with_name("rabbitmq-plugins")), "-n", note["node"]]
    return [shutil.which("rabbitmq-plugins") or "rabbitmq-plugins"]


def ensure_tooling(uri):
    """Enable the operations plugins on a broker on this machine, or say how; never fails the caller."""
    host, _ = _host_port(uri)
    how = f"rabbitmq-plugins enable {' '.join(TOOLING_PLUGINS)}"
    if host not in ("localhost", "127.0.0.1", "::1") or not shutil.which(_plugins_argv(uri)[0]):
        print(f"broker: the operations console and metrics need the broker's plugins; on the broker host run: {how}")
        return
    listed = _run_plugins(uri, "list", "-e", "-m")
    enabled = set(listed.stdout.split()) if listed.returncode == 0 else set()
    missing = [name for name in TOOLING_PLUGINS if name not in enabled]
    if not missing:
        return
    done = _run_plugins(uri, "enable", *missing)
    if done.returncode == 0:
        print(f"broker: enabled {', '.join(missing)} (no restart needed)")
    else:
        print(f"broker: could not enable {', '.join(missing)} ({(done.stderr or done.stdout).strip()[:200]}); "
              f"run as an administrator: {how}", file=sys.stderr)


def _run_plugins(uri, *args):
    note = local_node_note(uri)
    env = _node_env(LOCAL_BASE, note["port"], note.get("dist_port"))[1] if note else None
    try:
        return subprocess.run([*_plugins_argv(uri), *args], capture_output=True, text=True, timeout=120, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return subprocess.CompletedProcess(args, 1, "", str(exc))


def ensure(own_node=False):
    """0 when a broker answers (the one at AMQP_URI, else one started here), 1 with what to do.

    `own_node` (make test): unless AMQP_URI names a broker, run on the project's own node even when the
    machine's answers: a shared broker carries other runs' vhosts and queues, and its state is not ours to
    mend (one that had started to take minutes per connection made a whole run fail).
    """
    uri = amqp_uri()
    host, port = _host_port(uri)
    where = f"{host}:{port}"
    if own_node and "AMQP_URI" not in os.environ and _script("rabbitmq-server"):
        return _own_node_beside(where, "the tests run on a node of their own")
    if answers(uri):
        FALLBACK_URI_FILE.unlink(missing_ok=True)
        print(f"broker: RabbitMQ answers at {where}")
        ensure_tooling(uri)
        return 0
    local = host in ("localhost", "127.0.0.1", "::1")
    if local and "AMQP_URI" not in os.environ and _script("rabbitmq-server") and _port_open(host, port):
        return _own_node_beside(where)
    if local and _script("rabbitmq-server") and not _port_open(host, port):
        print(f"broker: none at {where}; starting a local RabbitMQ node (files in var/rabbitmq) ...")
        if start_local_node(port):
            print(f"broker: local node started at {where} (stop it: .venv/bin/python -m shared.messaging.broker stop)")
            return 0
        print(f"broker: the local node did not answer in time; its log:", file=sys.stderr)
        print(_log_tail(LOCAL_BASE), file=sys.stderr)
        return 1
    if _port_open(host, port):
        print(f"broker: something listens at {where} but refuses our login: check AMQP_URI "
              f"(user, password, vhost)", file=sys.stderr)
        return 1
    print(HOW_TO_GET_ONE.format(where=where), file=sys.stderr)
    return 1


def _own_node_beside(where, reason=None):
    """Run the project's own node on a free port, and note its URI for make run / make test: the default port is
    held by something that does not answer AMQP (a broker that hangs, or another program), or `reason`."""
    note = _local_note(LOCAL_BASE)
    if note and answers(f"amqp://guest:guest@localhost:{note['port']}/"):
        port = note["port"]
    else:
        port = _free_port()
        why = reason or f"something listens at {where} but does not answer AMQP as guest"
        print(f"broker: {why}; starting the project's own node at 127.0.0.1:{port} (files in var/rabbitmq) ...",
              file=sys.stderr)
        if not start_local_node(port):
            print("broker: the local node did not answer in time; its log:", file=sys.stderr)
            print(_log_tail(LOCAL_BASE), file=sys.stderr)
            return 1
        if reason:   # started for the tests: make test stops it when done (one make run already used, it keeps)
            STARTED_FOR_TESTS_FILE.parent.mkdir(parents=True, exist_ok=True)
            STARTED_FOR_TESTS_FILE.write_text(str(port))
    own = f"amqp://guest:guest@localhost:{port}/"
    FALLBACK_URI_FILE.parent.mkdir(parents=True, exist_ok=True)
    FALLBACK_URI_FILE.write_text(own)
    print(f"broker: using the project's own node at localhost:{port} (AMQP_URI for make run and make test; "
          f"stop it: .venv/bin/python -m shared.messaging.broker stop)")
    ensure_tooling(own)
    return 0


def _log_tail(base, lines=25):
    logs = sorted((Path(base) / "log").glob("*.log"), key=lambda p: p.stat().st_mtime)
    if not logs:
        return f"  (no log under {Path(base) / 'log'})"
    text = logs[-1].read_text(errors="replace").splitlines()[-lines:]
    return f"  {logs[-1]}:\n" + "\n".join("  " + line for line in text)


def _port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m shared.messaging.broker",
                                     description="Find the RabbitMQ broker at AMQP_URI, or start the project's own node.")
    parser.add_argument("command", choices=["ensure", "ctl", "stop"], help=(
        "ensure: exit 0 when a broker answers (starting a local node if none, enabling the operations plugins), "
        "1 with instructions; ctl: print the rabbitmqctl command line for that broker; "
        "stop: stop the local node `ensure` started"))
    parser.add_argument("--own-node", action="store_true", help=(
        "with ensure: unless AMQP_URI is set, use the project's own node (started on a free port, or the one "
        "already running) even when the machine's broker answers; make test does"))
    args = parser.parse_args(argv)
    command = args.command
    if command == "ensure":
        return ensure(own_node=args.own_node)
    if command == "ctl":
        print(shlex.join(rabbitmqctl_argv()))
        return 0
    return 0 if stop_local_node() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
