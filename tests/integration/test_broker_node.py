"""`make run`/`make test` find a broker, start the project's own RabbitMQ node, or explain -- never hang.

The node test starts a real RabbitMQ node (the machine's rabbitmq-server) on a free port with its
files in a temporary folder, as `ensure` does under var/rabbitmq when AMQP_URI has no broker.
"""
import json
import socket
import subprocess
from pathlib import Path

import pytest
import requests

from shared.messaging import broker


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def nothing_at(monkeypatch):
    port = _free_port()
    monkeypatch.setenv("AMQP_URI", f"amqp://guest:guest@localhost:{port}/")
    monkeypatch.delenv("RABBITMQCTL", raising=False)
    return port


def test_no_broker_and_no_server_explains_and_fails(nothing_at, monkeypatch, capsys):
    monkeypatch.setattr(broker, "_script", lambda name: None)
    assert broker.ensure() == 1
    err = capsys.readouterr().err
    assert f"No RabbitMQ broker answers at localhost:{nothing_at}" in err
    assert "apt-get install rabbitmq-server" in err and "export AMQP_URI=" in err


def test_a_listener_that_is_not_a_broker_is_named(monkeypatch, capsys):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        monkeypatch.setenv("AMQP_URI", f"amqp://guest:wrong@localhost:{port}/")
        assert broker.ensure() == 1
    assert f"something listens at localhost:{port} but refuses our login" in capsys.readouterr().err


def test_a_remote_broker_is_never_started_here(monkeypatch, capsys):
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@192.0.2.1:5672/")  # TEST-NET-1: nobody answers
    monkeypatch.setattr(broker, "answers", lambda uri, timeout=3.0: False)
    monkeypatch.setattr(broker, "_port_open", lambda host, port: False)
    started = []
    monkeypatch.setattr(broker, "start_local_node", lambda *a, **k: started.append(a) or True)
    assert broker.ensure() == 1
    assert started == []
    assert "No RabbitMQ broker answers at 192.0.2.1:5672" in capsys.readouterr().err


def test_the_projects_own_node_starts_answers_and_is_administered(nothing_at, tmp_path, monkeypatch):
    if broker._script("rabbitmq-server") is None:
        pytest.skip("no rabbitmq-server installed")
    base = tmp_path / "rabbitmq"
    try:
        assert broker.start_local_node(nothing_at, base=base), broker._log_tail(base)
        uri = f"amqp://guest:guest@localhost:{nothing_at}/"
        assert broker.answers(uri)
        # what tests and simulators use to make vhosts talks to this node, not the machine's
        ctl = broker.rabbitmqctl_argv(uri, base=base)
        assert ctl[1:] == ["-n", f"city311-{nothing_at}@localhost"]
        added = subprocess.run([*ctl, "add_vhost", "c311-node-check"], capture_output=True, text=True, timeout=60)
        assert added.returncode == 0, added.stderr
        listed = subprocess.run([*ctl, "list_vhosts"], capture_output=True, text=True, timeout=60)
        assert "c311-node-check" in listed.stdout
        assert (base / "log").is_dir() and any((base / "mnesia").iterdir())
        # operations' tooling is on: the management API, the Prometheus endpoint, the stream port
        ports = json.loads((base / broker.NODE_NOTE).read_text())["tooling_ports"]
        overview = requests.get(f"http://127.0.0.1:{ports['management']}/api/overview",
                                auth=("guest", "guest"), timeout=10)
        assert overview.status_code == 200 and overview.json()["node"] == f"city311-{nothing_at}@localhost"
        scraped = requests.get(f"http://127.0.0.1:{ports['prometheus']}/metrics", timeout=10)
        assert "rabbitmq_" in scraped.text
        with socket.create_connection(("127.0.0.1", ports["stream"]), timeout=5):
            pass
        # the machine's own node, if any, did not get the vhost
        machine = subprocess.run(["rabbitmqctl", "list_vhosts"], capture_output=True, text=True, timeout=60)
        assert "c311-node-check" not in machine.stdout
        # a second ensure finds it instead of starting another
        monkeypatch.setattr(broker, "start_local_node", lambda *a, **k: pytest.fail("started twice"))
        assert broker.ensure() == 0
    finally:
        broker.stop_local_node(base=base)
    assert not broker.answers(f"amqp://guest:guest@localhost:{nothing_at}/", timeout=2)


def test_a_high_port_gets_a_distribution_port_that_exists():
    assert broker._dist_port(5672) == 25672
    assert 0 < broker._dist_port(50000) <= 65535


def test_ctl_prefers_the_environment_then_the_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("RABBITMQCTL", "/opt/rmq/sbin/rabbitmqctl -n other@host")
    assert broker.rabbitmqctl_argv("amqp://localhost:5672/", base=tmp_path) == [
        "/opt/rmq/sbin/rabbitmqctl", "-n", "other@host"]
    monkeypatch.delenv("RABBITMQCTL")
    assert broker.rabbitmqctl_argv("amqp://localhost:5672/", base=tmp_path) == ["rabbitmqctl"]
    (tmp_path / broker.NODE_NOTE).write_text('{"node": "city311-5999@localhost", "port": 5999, '
                                            '"rabbitmqctl": "/usr/lib/rabbitmq/bin/rabbitmqctl"}')
    # the note applies to its own port only
    assert broker.rabbitmqctl_argv("amqp://localhost:5672/", base=tmp_path) == ["rabbitmqctl"]
    assert broker.rabbitmqctl_argv("amqp://localhost:5999/", base=tmp_path)[1:] == ["-n", "city311-5999@localhost"]


def test_tooling_on_a_remote_broker_is_explained_not_attempted(monkeypatch, capsys):
    ran = []
    monkeypatch.setattr(broker, "_run_plugins", lambda *a: ran.append(a))
    broker.ensure_tooling("amqp://ops:secret@broker.example.org:5672/")
    assert ran == []
    assert "rabbitmq-plugins enable rabbitmq_management rabbitmq_prometheus rabbitmq_stream" in capsys.readouterr().out


def test_missing_plugins_on_a_local_broker_are_enabled_and_said(monkeypatch, capsys):
    calls = []

    def plugins(uri, *args):
        calls.append(args)
        out = "rabbitmq_management\nrabbitmq_management_agent\n" if args[0] == "list" else ""
        return subprocess.CompletedProcess(args, 0, out, "")
    monkeypatch.setattr(broker, "_run_plugins", plugins)
    monkeypatch.setattr(broker.shutil, "which", lambda name: "/usr/sbin/rabbitmq-plugins")
    broker.ensure_tooling("amqp://guest:guest@localhost:5672/")
    assert calls[-1] == ("enable", "rabbitmq_prometheus", "rabbitmq_stream")
    assert "enabled rabbitmq_prometheus, rabbitmq_stream (no restart needed)" in capsys.readouterr().out


def test_a_refused_enable_says_how_and_does_not_fail(monkeypatch, capsys):
    def plugins(uri, *args):
        return subprocess.CompletedProcess(args, 0 if args[0] == "list" else 2, "", "Error: access denied")
    monkeypatch.setattr(broker, "_run_plugins", plugins)
    monkeypatch.setattr(broker.shutil, "which", lambda name: "/usr/sbin/rabbitmq-plugins")
    broker.ensure_tooling("amqp://guest:guest@localhost:5672/")
    err = capsys.readouterr().err
    assert "could not enable rabbitmq_management" in err and "access denied" in err
    assert "rabbitmq-plugins enable rabbitmq_management" in err
