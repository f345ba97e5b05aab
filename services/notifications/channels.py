"""The two ways a message reaches a resident: email over SMTP, texts through an HTTP SMS gateway.

`send` never raises: it answers an Outcome, permanent when retrying cannot help (SMTP 5xx, a
number the gateway calls invalid), transient otherwise (a server down, 4xx SMTP, gateway 5xx).
Reasons never carry the recipient's address.
"""
import re
import smtplib
import threading
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import requests
import structlog

from services.notifications.dispatch import Outcome

log = structlog.get_logger("city311.notifications.channels")
PERMANENT_SMS_ERRORS = {"invalid_number", "body_too_long", "invalid_request", "unsubscribed"}


class EmailChannel:
    """Email over SMTP, one connection kept for a dispatch round (`close` ends it).

    Any error drops the connection, so the next message starts on a fresh one; a connection the
    server closed while idle is opened again once for the same message.
    """

    def __init__(self, host, port, sender, timeout=10.0, username=None, password=None, starttls=False):
        self.host, self.port, self.sender, self.timeout = host, int(port), sender, float(timeout)
        self.username, self.password, self.starttls = username, password, starttls
        self._smtp = None
        self._lock = threading.Lock()  # green under eventlet: one message on the wire at a time

    def send(self, outgoing):
        mail = build_email(outgoing, self.sender)
        try:
            with self._lock:
                self._send(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()))
            return _smtp_failure(code, answer, outgoing.address)
        except smtplib.SMTPResponseException as exc:
            return _smtp_failure(exc.smtp_code, exc.smtp_error, outgoing.address)
        except (smtplib.SMTPException, OSError) as exc:
            return Outcome(False, reason=_redact(f"SMTP server unreachable: {type(exc).__name__}: {exc}",
                                                 outgoing.address))
        return Outcome(True, provider_id=mail["Message-ID"])

    def close(self):
        """End the kept connection politely (QUIT); safe to call at any time."""
        with self._lock:
            self._drop(polite=True)

    def _send(self, mail):
        reused = self._smtp is not None
        try:
            if not reused:
                self._smtp = self._connect()
            self._smtp.send_message(mail)
        except smtplib.SMTPServerDisconnected:
            self._drop()
            if not reused:
                raise
            self._smtp = self._connect()  # it timed out while idle: once more on a new connection
            try:
                self._smtp.send_message(mail)
            except BaseException:
                self._drop()
                raise
        except BaseException:
            self._drop()
            raise

    def _connect(self):
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _drop(self, polite=False):
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if polite:
                smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            smtp.close()


def build_email(outgoing, sender):
    """Plain text and HTML alternatives, with the unsubscribe link in the List-Unsubscribe headers too."""
    mail = EmailMessage()
    mail["Subject"] = outgoing.subject
    mail["From"] = sender
    mail["To"] = outgoing.address
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(outgoing.delivery_id, sender)
    mail["Content-Language"] = outgoing.language
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-City311-Notification"] = outgoing.delivery_id
    if outgoing.unsubscribe_url:
        mail["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(outgoing.text)
    if outgoing.html:
        mail.add_alternative(outgoing.html, subtype="html")
    return mail


def message_id(delivery_id, sender):
    """The delivery's own Message-ID, the same on every attempt: an answer lost after DATA (a timeout, a dropped
    connection) makes us send the mail again, and receivers that collapse repeats by Message-ID show it once."""
    return f"<{delivery_id}@{_domain(sender)}>"


class SmsChannel:
    def __init__(self, base_url, api_key, timeout=10.0):
        self.url, self.api_key, self.timeout = f"{base_url.rstrip('/')}/api/send", api_key, float(timeout)
        self.http = requests.Session()

    def send(self, outgoing):
        # Our delivery id is the gateway's idempotency key: a resend after a crash is not a second text.
        body = {"to": outgoing.address, "body": outgoing.text, "reference": outgoing.delivery_id}
        try:
            answer = self.http.post(self.url, json=body, headers={"X-API-Key": self.api_key},
                                    timeout=self.timeout)
        except requests.RequestException as exc:
            return Outcome(False, reason=f"SMS gateway unreachable: {type(exc).__name__}")
        if answer.status_code == 200:
            return Outcome(True, provider_id=str(_json(answer).get("id", "")))
        error = str(_json(answer).get("error", "")) or f"HTTP {answer.status_code}"
        permanent = answer.status_code == 400 and error in PERMANENT_SMS_ERRORS
        return Outcome(False, reason=f"SMS gateway answered {answer.status_code} {error}", permanent=permanent)


class Channels:
    """Sends an Outgoing on its channel."""

    def __init__(self, email, sms):
        self.by_name = {"email": email, "sms": sms}

    def close(self):
        """End what a dispatch round kept open (the SMTP connection)."""
        for channel in self.by_name.values():
            if hasattr(channel, "close"):
                channel.close()

    def send(self, outgoing):
        try:
            return self.by_name[outgoing.channel].send(outgoing)
        except Exception as exc:  # a bug in a channel must not stop the dispatcher; retried later
            log.exception("channel failed unexpectedly", channel=outgoing.channel)
            return Outcome(False, reason=_redact(f"{type(exc).__name__}: {exc}", outgoing.address))


def _smtp_failure(code, answer, address):
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
    reason = _redact(f"SMTP {code} {text}", address)
    return Outcome(False, reason=reason, permanent=500 <= int(code) < 600)


def _redact(text, address):
    return re.sub(re.escape(address), "[recipient]", text, flags=re.IGNORECASE) if address else text


def _domain(sender):
    return parseaddr(sender)[1].rpartition("@")[2] or "city311.local"


def _json(answer):
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
