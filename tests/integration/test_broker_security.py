"""The broker's users (shared/messaging/users.py) on a real RabbitMQ, and AMQP over TLS on the project's own node.

Users are the broker's, not a vhost's: each test's users carry a prefix of their own and are deleted after.
"""
import ssl
import subprocess
import uuid

import amqp
import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection

from shared.messaging import broker
from shared.messaging.users import apply, definitions, integrator_users, vhost_of
from tests.support.broker import BASE_URI, isolated_vhost

pytestmark = pytest.mark.integration
DEPARTMENTS = ["PW-STREETS", "WATERSHED"]


def _ctl(*args, uri=BASE_URI):
    return subprocess.run([*broker.rabbitmqctl_argv(uri), *args], capture_output=True, text=True, timeout=60)


class City:
    """A vhost with the city's exchanges and queues (declared as the services declare them), and its users."""

    def __init__(self, uri, prefix):
        self.uri, self.prefix, self.vhost = uri, prefix, vhost_of(uri)
        # the users these tests log in as (fewer users: each rabbitmqctl delete_user takes seconds)
        self.users = [user for user in integrator_users(DEPARTMENTS, channels=["phone"], prefix=prefix)
                      if user.kind != "services"]
        self.passwords = {user.name: f"pw-{uuid.uuid4().hex}" for user in self.users}

    def connect(self, who):
        name = f"{self.prefix}{who}"
        host = f"{broker._host_port(self.uri)[0]}:{broker._host_port(self.uri)[1]}"
        connection = amqp.Connection(host=host, userid=name, password=self.passwords[name],
                                     virtual_host=self.vhost, confirm_publish=True, connect_timeout=10)
        connection.connect()
        return connection

    def declare_topology(self):
        with Connection(self.uri, connect_timeout=10) as connection:
            channel = connection.default_channel
            for exchange in ("channels.events", "departments", "departments.status"):
                channel.exchange_declare(exchange, "topic", durable=True)
            for code in DEPARTMENTS:
                for queue in (f"departments.{code}", f"departments.{code}.dlq"):
                    channel.queue_declare(queue, durable=True, auto_delete=False)
                channel.queue_bind(f"departments.{code}", "departments", f"department.{code}.#")
                channel.basic_publish(amqp.Message(b'{"for": "%s"}' % code.encode()), "departments",
                                      f"department.{code}.routed")
            channel.queue_declare("metrics.stream", durable=True, auto_delete=False,
                                  arguments={"x-queue-type": "stream"})
            channel.basic_publish(amqp.Message(b'{"measure": 1}'), "", "metrics.stream")


@pytest.fixture(scope="module")
def city():
    if broker.shutil.which(broker.rabbitmqctl_argv(BASE_URI)[0]) is None:
        pytest.skip("no rabbitmqctl to apply the broker users with")
    with isolated_vhost() as uri:
        city = City(uri, prefix=f"t{uuid.uuid4().hex[:6]}-")
        try:
            apply(broker.rabbitmqctl_argv(BASE_URI), definitions(city.users, city.vhost, city.passwords))
            city.declare_topology()
            yield city
        finally:
            for user in city.users:
                _ctl("delete_user", user.name)


def refused(action):
    """True when the broker refuses `action` with ACCESS_REFUSED (403)."""
    try:
        action()
    except AccessRefused as exc:
        assert "access to" in str(exc).lower() and "refused" in str(exc).lower(), exc
        return True
    return False


def test_a_department_reads_its_own_queue_and_not_another_departments(city):
    connection = city.connect("department-pw-streets")
    try:
        assert connection.channel().basic_get("departments.PW-STREETS", no_ack=True).body == b'{"for": "PW-STREETS"}'
        assert refused(lambda: connection.channel().basic_get("departments.WATERSHED", no_ack=True))
        assert refused(lambda: connection.channel().basic_get("metrics.stream"))
        # it reports status, and nothing else: not a work order of its own to another department
        connection.channel().basic_publish(amqp.Message(b"{}"), "departments.status", "department.PW-STREETS.status")
        assert refused(lambda: connection.channel().basic_publish(
            amqp.Message(b"{}"), "departments", "department.WATERSHED.routed"))
        assert refused(lambda: connection.channel().queue_declare("departments.mine", durable=True))
    finally:
        connection.close()
    watershed = city.connect("department-watershed")
    try:
        assert watershed.channel().basic_get("departments.WATERSHED", no_ack=True).body == b'{"for": "WATERSHED"}'
    finally:
        watershed.close()


def test_a_channel_publishes_only_to_channels_events_and_reads_only_its_replies(city):
    connection = city.connect("channel-phone")
    try:
        channel = connection.channel()
        reply_to, _, _ = channel.queue_declare("", exclusive=True)   # a server-named reply queue
        channel.basic_publish(amqp.Message(b"{}", reply_to=reply_to, message_id="m-1"),
                              "channels.events", "request.submit.v1")
        # the city's answer arrives through the default exchange; the channel takes it off its queue
        with Connection(city.uri, connect_timeout=10) as admin:
            admin.default_channel.basic_publish(amqp.Message(b'{"status": "accepted"}'), "", reply_to)
        assert connection.channel().basic_get(reply_to, no_ack=True).body == b'{"status": "accepted"}'
        channel.queue_declare("channels.replies.phone.desk-1", exclusive=True)
        assert refused(lambda: connection.channel().basic_publish(amqp.Message(b"{}"), "departments",
                                                                  "department.PW-STREETS.routed"))
        assert refused(lambda: connection.channel().basic_publish(amqp.Message(b"{}"), "", "departments.PW-STREETS"))
        assert refused(lambda: connection.channel().basic_publish(amqp.Message(b"{}"), "departments.status",
                                                                  "department.PW-STREETS.status"))
        assert refused(lambda: connection.channel().basic_get("departments.PW-STREETS"))
        assert refused(lambda: connection.channel().queue_declare("channels.replies.sms.desk-1", exclusive=True))
    finally:
        connection.close()


def test_analysts_read_the_metrics_stream_only(city):
    connection = city.connect("analyst")
    try:
        channel = connection.channel()
        channel.basic_qos(0, 10, False)
        got = []
        channel.basic_consume("metrics.stream", callback=got.append, arguments={"x-stream-offset": "first"})
        while not got:
            connection.drain_events(timeout=10)
        assert got[0].body == b'{"measure": 1}'
        assert refused(lambda: connection.channel().basic_get("departments.PW-STREETS"))
        assert refused(lambda: connection.channel().basic_publish(amqp.Message(b"{}"), "channels.events",
                                                                  "request.submit.v1"))
    finally:
        connection.close()


def test_operations_monitor_and_touch_nothing(city):
    listed = _ctl("list_users", "--formatter", "json")
    assert f'"user":"{city.prefix}operations","tags":["monitoring"]' in listed.stdout.replace(" ", "")
    connection = city.connect("operations")
    try:
        assert refused(lambda: connection.channel().basic_get("departments.PW-STREETS"))
        assert refused(lambda: connection.channel().basic_publish(amqp.Message(b"{}"), "channels.events", "x"))
    finally:
        connection.close()


def test_a_wrong_password_is_refused(city):
    city_password = city.passwords[f"{city.prefix}analyst"]
    city.passwords[f"{city.prefix}analyst"] = "not-the-password"
    try:
        with pytest.raises(AccessRefused):
            city.connect("analyst")
    finally:
        city.passwords[f"{city.prefix}analyst"] = city_password


# -- AMQP over TLS on the project's own node --------------------------------------------------------------


def _free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_amqps_on_the_projects_own_node_with_a_generated_ca(tmp_path):
    """The node's TLS listener serves a certificate of a CA made here (trustme); kombu verifies it."""
    trustme = pytest.importorskip("trustme")
    if broker._script("rabbitmq-server") is None:
        pytest.skip("no rabbitmq-server installed")
    ca = trustme.CA()
    server = ca.issue_cert("localhost", "127.0.0.1")
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    server.cert_chain_pems[0].write_to_path(str(tmp_path / "server.pem"))
    server.private_key_pem.write_to_path(str(tmp_path / "server.key"))
    port, tls_port = _free_port(), _free_port()
    tls = (f"listeners.ssl.default = 127.0.0.1:{tls_port}\n"
           f"ssl_options.cacertfile = {tmp_path / 'ca.pem'}\n"
           f"ssl_options.certfile = {tmp_path / 'server.pem'}\n"
           f"ssl_options.keyfile = {tmp_path / 'server.key'}\n"
           "ssl_options.verify = verify_none\nssl_options.fail_if_no_peer_cert = false\n")
    base = tmp_path / "rabbitmq"
    try:
        assert broker.start_local_node(port, base=base, extra_config=tls), broker._log_tail(base)
        verified = {"ca_certs": str(tmp_path / "ca.pem"), "cert_reqs": ssl.CERT_REQUIRED,
                    "server_hostname": "localhost"}
        with Connection(f"amqps://guest:guest@localhost:{tls_port}/", ssl=verified, connect_timeout=15) as conn:
            conn.ensure_connection(max_retries=1)
            conn.default_channel.queue_declare("tls-check", auto_delete=True)
            tls_socket = conn.connection.transport.sock
            assert tls_socket.version().startswith("TLS") and tls_socket.getpeercert()["subjectAltName"]
        # a certificate from another CA is not trusted
        other = trustme.CA()
        other.cert_pem.write_to_path(str(tmp_path / "other.pem"))
        with pytest.raises(Exception) as failed:
            with Connection(f"amqps://guest:guest@localhost:{tls_port}/", connect_timeout=15,
                            ssl=dict(verified, ca_certs=str(tmp_path / "other.pem"))) as conn:
                conn.ensure_connection(max_retries=1)
        assert "CERTIFICATE_VERIFY_FAILED" in repr(failed.value) or "certificate verify failed" in repr(failed.value)
    finally:
        broker.stop_local_node(base=base)
