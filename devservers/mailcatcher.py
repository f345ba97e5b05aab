"""Local mail catch-all for development: every mail is kept here, none is ever relayed.

    python -m devservers.mailcatcher [--smtp-port 2525] [--http-port 8025] [--host 127.0.0.1]

SMTP on --smtp-port (MAILCATCHER_SMTP_PORT) accepts mail for anyone. HTTP on --http-port
(MAILCATCHER_HTTP_PORT):

    GET    /                         the caught mail, newest first
    GET    /api/messages             {"messages": [{id, from, to, subject, date, headers, text, html}]}
    GET    /api/messages/<id>        one message, with its raw source
    GET    /api/messages/<id>/html   its HTML part, as a page
    DELETE /api/messages             forget every message
    GET    /api/faults               the faults in force
    POST   /api/faults               {"reject": ["addr", ...]}  refuse those recipients (550, permanent)
                                     {"defer": N}  answer the next N mails with 451 (try again later)
                                     {"clear": true}
    GET    /health
"""
import asyncio
import email
import email.policy
import itertools
import logging
import threading
from datetime import datetime, timezone
from pathlib import Path

from aiosmtpd.controller import Controller
from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.exceptions import NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from devservers.web import (RoutedApp, argument_parser, configure_logging, env_int, json_body, json_response,
                            log, read_faults, serve_until_signalled)

PAGES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                    autoescape=select_autoescape(["html"]))


class Mailbox:
    """The caught mail and the faults in force (thread-safe: SMTP and HTTP run in different threads)."""

    def __init__(self, keep=1000):
        self.keep = keep
        self._lock = threading.Lock()
        self._messages = []
        self._ids = itertools.count(1)
        self._rejected = set()
        self._defer = 0

    def add(self, mail_from, rcpt_tos, raw):
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            message = {"id": str(next(self._ids)), "from": mail_from, "to": list(rcpt_tos),
                       "subject": str(parsed.get("Subject", "")), "date": str(parsed.get("Date", "")),
                       "received_at": datetime.now(timezone.utc).isoformat(),
                       "headers": {k: str(v) for k, v in parsed.items()},
                       "text": _part(parsed, "plain"), "html": _part(parsed, "html"),
                       "raw": raw.decode("utf-8", errors="replace")}
            self._messages.append(message)
            del self._messages[:-self.keep]
        return message

    def messages(self):
        with self._lock:
            return list(self._messages)

    def get(self, message_id):
        return next((m for m in self.messages() if m["id"] == message_id), None)

    def clear(self):
        with self._lock:
            count, self._messages = len(self._messages), []
        return count

    def rejects(self, address):
        with self._lock:
            return address.lower() in self._rejected

    def take_deferral(self):
        """True (and one fewer to go) while the `defer` fault still has mails to refuse."""
        with self._lock:
            if self._defer > 0:
                self._defer -= 1
                return True
            return False

    def configure_faults(self, body):
        reject, defer, clear = read_faults(body, "reject", "defer")
        with self._lock:
            if clear:
                self._rejected, self._defer = set(), 0
            self._rejected |= {a.lower() for a in reject}
            self._defer += defer
        return self.faults()

    def faults(self):
        with self._lock:
            return {"reject": sorted(self._rejected), "defer": self._defer}


def _part(parsed, subtype):
    part = parsed.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else None


class CatchAllHandler:
    """aiosmtpd handler: refuse what the faults say, keep everything else."""

    def __init__(self, mailbox):
        self.mailbox = mailbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mailbox.rejects(address):
            return "550 5.1.1 Recipient address rejected: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mailbox.take_deferral():
            return "451 4.3.0 Temporary failure, try again later"
        message = self.mailbox.add(envelope.mail_from, envelope.rcpt_tos, envelope.original_content
                                   or envelope.content)
        log.info("caught mail %s for %d recipient(s)", message["id"], len(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class MailCatcherApp(RoutedApp):
    """The HTTP side: the web page, the JSON API, the faults."""

    rules = (Rule("/", endpoint="page", methods=["GET"]),
             Rule("/health", endpoint="health", methods=["GET"]),
             Rule("/api/messages", endpoint="messages", methods=["GET", "DELETE"]),
             Rule("/api/messages/<message_id>", endpoint="message", methods=["GET"]),
             Rule("/api/messages/<message_id>/html", endpoint="message_html", methods=["GET"]),
             Rule("/api/faults", endpoint="faults", methods=["GET", "POST"]))

    def __init__(self, mailbox):
        super().__init__()
        self.mailbox = mailbox

    def page(self, request):
        body = PAGES.get_template("mailcatcher.html").render(messages=self.mailbox.messages()[::-1])
        return Response(body, content_type="text/html; charset=utf-8")

    def messages(self, request):
        if request.method == "DELETE":
            return json_response({"deleted": self.mailbox.clear()})
        listed = [{k: v for k, v in m.items() if k != "raw"} for m in self.mailbox.messages()]
        return json_response({"messages": listed})

    def message(self, request, message_id):
        return json_response(self._find(message_id))

    def message_html(self, request, message_id):
        # Sandboxed: caught mail is shown, never allowed to run scripts.
        return Response(self._find(message_id)["html"] or "", content_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": "sandbox"})

    def faults(self, request):
        if request.method == "POST":
            return json_response(self.mailbox.configure_faults(json_body(request)))
        return json_response(self.mailbox.faults())

    def _find(self, message_id):
        message = self.mailbox.get(message_id)
        if message is None:
            raise NotFound(f"no message {message_id}")
        return message


def main():
    parser = argument_parser("mailcatcher", "Local mail catch-all: SMTP in, web page and JSON out.")
    parser.add_argument("--smtp-port", type=int, default=env_int("MAILCATCHER_SMTP_PORT", 2525))
    parser.add_argument("--http-port", type=int, default=env_int("MAILCATCHER_HTTP_PORT", 8025))
    parser.add_argument("--keep", type=int, default=1000, help="how many messages to keep (oldest go first)")
    args = parser.parse_args()
    configure_logging("mailcatcher")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # it logs every SMTP line, addresses included
    mailbox = Mailbox(args.keep)
    smtp = Controller(CatchAllHandler(mailbox), hostname=args.host, port=args.smtp_port,
                      loop=asyncio.new_event_loop())
    smtp.start()
    log.info("SMTP on %s:%s", args.host, args.smtp_port)
    serve_until_signalled(MailCatcherApp(mailbox), args.host, args.http_port, on_stop=[smtp.stop])


if __name__ == "__main__":
    main()
