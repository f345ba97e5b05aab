"""`broker ensure --own-node` (make test): the project's own node even when the machine's broker answers,
unless AMQP_URI names a broker."""
import pytest

from shared.messaging import broker


@pytest.fixture
def machine(monkeypatch, tmp_path):
    """A machine whose broker answers at 5672 and which has rabbitmq-server; nodes 'start' instantly."""
    started = []
    monkeypatch.delenv("AMQP_URI", raising=False)
    monkeypatch.setattr(broker, "FALLBACK_URI_FILE", tmp_path / "run" / "amqp_uri")
    monkeypatch.setattr(broker, "STARTED_FOR_TESTS_FILE", tmp_path / "run" / "broker_started_for_tests")
    monkeypatch.setattr(broker, "LOCAL_BASE", tmp_path / "rabbitmq")
    monkeypatch.setattr(broker, "_script", lambda name: f"/usr/lib/rabbitmq/bin/{name}")
    monkeypatch.setattr(broker, "ensure_tooling", lambda uri: None)
    monkeypatch.setattr(broker, "answers", lambda uri, timeout=3.0: uri.endswith(":5672/") or
                        any(uri.endswith(f":{port}/") for port in started))
    monkeypatch.setattr(broker, "start_local_node", lambda port, *a, **k: started.append(port) or True)
    machine.started = started
    return machine


def test_make_test_gets_a_node_of_its_own_though_the_machines_broker_answers(machine):
    assert broker.ensure(own_node=True) == 0
    [port] = machine.started
    assert port != 5672
    assert broker.FALLBACK_URI_FILE.read_text() == f"amqp://guest:guest@localhost:{port}/"
    assert broker.STARTED_FOR_TESTS_FILE.read_text() == str(port)


def test_make_run_keeps_the_machines_broker(machine):
    assert broker.ensure() == 0
    assert machine.started == [] and not broker.FALLBACK_URI_FILE.exists()


def test_a_broker_named_in_amqp_uri_is_used_as_it_is(machine, monkeypatch):
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@localhost:5672/")
    assert broker.ensure(own_node=True) == 0
    assert machine.started == [] and not broker.STARTED_FOR_TESTS_FILE.exists()
