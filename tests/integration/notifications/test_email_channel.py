"""The email channel against the real development SMTP server: one connection per round, errors drop it."""
import pytest

from services.notifications.channels import EmailChannel
from services.notifications.dispatch import Outgoing
from tests.integration.notifications.harness import DevServers


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    running = DevServers(tmp_path_factory.mktemp("email-channel"), "http://127.0.0.1:9/unreachable")
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture
def channel(servers):
    servers.mail_faults(clear=True)
    email = EmailChannel("127.0.0.1", servers.smtp_port, "City 311 <no-reply@311.example.org>", timeout=10)
    yield email
    email.close()
    servers.mail_faults(clear=True)


def outgoing(n, address):
    return Outgoing(delivery_id=f"d-{n}", channel="email", address=address, language="en",
                    subject=f"Update {n}", text=f"text {n}", html=None, unsubscribe_url=None)


def test_a_round_sends_every_message_on_one_connection(servers, channel):
    first = channel.send(outgoing(1, "round@example.org"))
    connection = channel._smtp
    outcomes = [first] + [channel.send(outgoing(n, "round@example.org")) for n in (2, 3)]
    assert all(o.sent for o in outcomes) and channel._smtp is connection
    channel.close()
    assert channel._smtp is None
    assert sorted(m["subject"] for m in servers.wait_mails("round@example.org", 3)) == [
        "Update 1", "Update 2", "Update 3"]


def test_a_refusal_fails_that_message_only_and_the_next_goes_out(servers, channel):
    servers.mail_faults(reject=["gone@example.org"], defer=1)
    deferred = channel.send(outgoing(4, "later@example.org"))
    assert (deferred.sent, deferred.permanent) == (False, False) and deferred.reason.startswith("SMTP 451")
    refused = channel.send(outgoing(5, "gone@example.org"))
    assert (refused.sent, refused.permanent) == (False, True) and "gone@example.org" not in refused.reason
    assert channel.send(outgoing(6, "next@example.org")).sent
    assert [m["subject"] for m in servers.wait_mails("next@example.org")] == ["Update 6"]
    assert servers.mails("gone@example.org") == [] and servers.mails("later@example.org") == []


def test_a_connection_the_server_closed_is_opened_again_for_the_same_message(servers, channel):
    assert channel.send(outgoing(7, "idle@example.org")).sent
    channel._smtp.docmd("QUIT")  # what a server does to an idle client: it says goodbye and hangs up
    assert channel.send(outgoing(8, "idle@example.org")).sent
    assert sorted(m["subject"] for m in servers.wait_mails("idle@example.org", 2)) == ["Update 7", "Update 8"]


def test_a_server_that_is_gone_is_a_transient_failure(servers):
    email = EmailChannel("127.0.0.1", 9, "City 311 <no-reply@311.example.org>", timeout=2)
    outcome = email.send(outgoing(9, "nobody@example.org"))
    assert (outcome.sent, outcome.permanent) == (False, False)
    assert outcome.reason.startswith("SMTP server unreachable") and "nobody@example.org" not in outcome.reason
    assert email._smtp is None
