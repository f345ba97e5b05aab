"""AMQP_URI: one broker node or a ';'-separated list of a cluster's nodes (shared/messaging/nodes.py)."""
import pytest
from kombu import Connection

from shared.messaging.nodes import BrokerNodesError, addresses, broker_nodes, described, first_node
from shared.operations import OperationsSettings
from shared.production import amqp_problem
from shared.readiness import broker_address

ONE = "amqp://guest:guest@localhost:5672/"
THREE = ("amqp://u:secret1@rabbit1:5672/city;amqp://u:secret2@rabbit2:5673/city;"
         "amqp://u:secret3@rabbit3:5674/city")


def test_one_uri_is_one_node_unchanged():
    assert broker_nodes(ONE) == [ONE]
    assert first_node(ONE) == ONE
    assert addresses(ONE) == "localhost:5672"


def test_a_list_is_its_nodes_in_order_spaces_around_the_separator_ignored():
    spaced = THREE.replace(";", " ; ")
    assert broker_nodes(spaced) == THREE.split(";")
    assert addresses(THREE) == "rabbit1:5672;rabbit2:5673;rabbit3:5674"
    assert broker_nodes(THREE.split(";")) == THREE.split(";")   # a YAML list, as kombu also takes it


def test_kombu_reads_the_same_list_and_fails_over_to_each_node_in_turn():
    connection = Connection(THREE)
    seen = []
    for _ in range(3):
        seen.append((connection.hostname, connection.port, connection.userid, connection.virtual_host))
        connection.maybe_switch_next()
    assert seen == [("rabbit1", 5672, "u", "city"), ("rabbit2", 5673, "u", "city"), ("rabbit3", 5674, "u", "city")]


@pytest.mark.parametrize("uri, expected", [
    ("", "AMQP_URI is empty"),
    (" ; ", "AMQP_URI is empty"),
    (f"{ONE};;{ONE}", "node 2 of 3 is empty"),
    (f"{ONE};", "node 2 of 2 is empty"),
    ("amqp://guest:guest@h1:5672,h2:5672/", "names no single host"),
    (f"{ONE},{ONE}", "names no single host"),
    ("rabbit1:5672", "not an amqp:// or amqps:// URI"),
    (f"{ONE};http://rabbit2:15672/", "node 2 (http://rabbit2:15672/) is not an amqp://"),
    ("amqp://guest:guest@h1:56x2/", "port that is not a number"),
    ("amqp://u:p@h1/a;amqp://u:p@h2/b", "different virtual hosts (a, b)"),
    (5672, "must be a text"),
])
def test_a_malformed_list_is_refused_saying_what_is_wrong(uri, expected):
    with pytest.raises(BrokerNodesError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        broker_nodes(uri)


def test_a_refused_node_is_named_without_its_password():
    with pytest.raises(BrokerNodesError) as refused:
        broker_nodes("amqp://u:topsecret@h1:5672/;ftp://u:topsecret@h2/")
    assert "topsecret" not in str(refused.value)


def test_every_nodes_password_is_masked_in_what_is_logged():
    shown = described(THREE)
    assert "secret" not in shown
    assert shown.count("********") == 3 and "rabbit3:5674" in shown


def test_health_answers_name_every_node():
    assert broker_address(THREE) == "rabbit1:5672;rabbit2:5673;rabbit3:5674"
    assert broker_address(ONE) == "localhost:5672"


def test_the_operations_console_reads_the_first_node_for_the_management_api_and_the_vhost(monkeypatch):
    for name in ("RABBITMQ_MANAGEMENT_URL", "RABBITMQ_MANAGEMENT_USER", "RABBITMQ_MANAGEMENT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    settings = OperationsSettings.from_config({"AMQP_URI": THREE})
    assert settings.management_url == "http://rabbit1:15672"
    assert (settings.management_user, settings.management_password) == ("u", "secret1")
    assert settings.vhost == "city"
    assert settings.amqp_uri == THREE       # dead letters are read through the list: any node that answers


def test_production_refuses_the_development_account_on_any_node():
    strong = "amqp://city:" + "p" * 40 + "@rabbit{}:5672/"
    assert amqp_problem("AMQP_URI", ";".join(strong.format(n) for n in (1, 2))) is None
    refused = amqp_problem("AMQP_URI", f"{strong.format(1)};amqp://guest:guest@rabbit2:5672/")
    assert refused and "guest" in refused
