"""The email channel against the real development SMTP server: one connection per round, errors drop it, and a
message sent again after a lost answer keeps its Message-ID."""
import asyncio
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller

from devservers.mailcatcher import CatchAllHandler, Mailbox
from services.notifications.channels import EmailChannel
from services.notifications.dispatch import Outgoing
from tests.integration.notifications.harness import DevServers, NotificationsProcess
from tests.support.broker import isolated_vhost
from tests.support.processes import ROOT, free_port
from tests.support.waiting import wait_until


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


CLIENT_TIMEOUT = 2.0


class CutAfterData(CatchAllHandler):
    """The development server's own handler, except that the first mail's answer never comes: the server keeps
    the mail, then hangs up (`disconnect`) or stays silent past the client's timeout (`timeout`)."""

    def __init__(self, mailbox, cut):
        super().__init__(mailbox)
        self.cut, self.cuts_left = cut, 1

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if self.cuts_left:
            self.cuts_left -= 1
            if self.cut == "disconnect":
                server.transport.close()
            else:
                await asyncio.sleep(CLIENT_TIMEOUT * 3)
        return answer


@pytest.fixture(params=["disconnect", "timeout"])
def cutting_server(request):
    mailbox = Mailbox()
    smtp = Controller(CutAfterData(mailbox, request.param), hostname="127.0.0.1", port=free_port(),
                      loop=asyncio.new_event_loop())
    smtp.start()
    yield smtp.port, mailbox
    smtp.stop()


def test_an_email_sent_again_after_an_answer_lost_after_data_carries_the_same_message_id(cutting_server):
    port, mailbox = cutting_server
    email = EmailChannel("127.0.0.1", port, "City 311 <no-reply@311.example.org>", timeout=CLIENT_TIMEOUT)
    mail = outgoing(10, "twice@example.org")
    lost = email.send(mail)
    assert (lost.sent, lost.permanent) == (False, False)  # ambiguous: the dispatcher tries again
    again = email.send(mail)
    assert again.sent
    email.close()
    first, second = wait_until(lambda: len(mailbox.messages()) == 2 and mailbox.messages(), 10,
                               what="both copies at the server")
    assert first["headers"]["Message-ID"] == second["headers"]["Message-ID"] == again.provider_id
    assert again.provider_id == "<d-10@311.example.org>"


def test_each_delivery_has_its_own_message_id(servers, channel):
    sent = [channel.send(outgoing(n, "distinct@example.org")).provider_id for n in (11, 12)]
    assert sent == ["<d-11@311.example.org>", "<d-12@311.example.org>"]
    assert sorted(m["headers"]["Message-ID"] for m in servers.wait_mails("distinct@example.org", 2)) == sent


@pytest.fixture
def notifications_on_a_cutting_server(cutting_server, tmp_path):
    """The notifications process alone, its mail going to the cutting server."""
    port, mailbox = cutting_server
    servers = SimpleNamespace(smtp_port=port, sms_port=free_port())  # no text is sent here
    with isolated_vhost() as uri:
        declare_queues(uri, "notifications")  # before the first event is published, as `make run` does
        service = NotificationsProcess(uri, f"sqlite:///{tmp_path}/notifications.sqlite", tmp_path, servers,
                                       free_port(), {"SMTP_TIMEOUT_SECONDS": str(CLIENT_TIMEOUT)})
        service.start()
        try:
            yield service, mailbox
        finally:
            service.stop()


def declare_queues(uri, service):
    done = subprocess.run([sys.executable, "-m", "shared.messaging.declare", service], cwd=ROOT,
                          env=dict(os.environ, AMQP_URI=uri, PYTHONWARNINGS="ignore"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_dispatcher_s_retry_after_an_answer_lost_after_data_carries_the_first_attempt_s_message_id(
        notifications_on_a_cutting_server):
    service, mailbox = notifications_on_a_cutting_server
    sid = "26-0000321"
    service.contact(sid, email="retried@example.org")
    service.status(sid, "received")
    [sent] = service.wait_notifications(sid, lambda ns: [n for n in ns if n["status"] == "sent"], what="sent")
    copies = mailbox.messages()  # at least the cut attempt's and the retry's (a slow machine may time out more)
    assert len(copies) >= 2 and sent["template"] == "received"
    [message_id] = {copy["headers"]["Message-ID"] for copy in copies}
    assert message_id == f"<{copies[0]['headers']['X-City311-Notification']}@311.example.org>"
