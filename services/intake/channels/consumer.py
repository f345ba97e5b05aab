"""`channel_message_handler`: the reliable consumer for channel messages, which are plain JSON, not events.

It is shared/messaging's ReliableEventHandler (work queue, delay queues, dead
letters) with two differences. The body is handed over as a ReceivedMessage
with the AMQP properties that say how to answer, instead of being checked as an
event envelope. And those properties ride along in `x-city311-original-*`
headers whenever the message is re-published to a delay or dead-letter queue,
so a retried or replayed message can still be answered.
"""
from dataclasses import dataclass

from nameko.messaging import Consumer

from shared.messaging.entrypoints import ATTEMPT_HEADER, ReliableEventHandler

# The exchange is `channels.events`: like every exchange on the bus, named after who publishes to it.
PRODUCERS = "channels"
ANSWERING_PROPERTIES = ("message_id", "reply_to", "correlation_id")


@dataclass(frozen=True)
class ReceivedMessage:
    """A channel's message as the handler sees it: its body (decoded JSON) and how to answer it."""
    routing_key: str
    body: object
    reply_to: str
    message_id: str | None
    correlation_id: str | None


class ChannelMessageHandler(ReliableEventHandler):
    """Handle the channel messages published with `routing_key` on `channels.events`."""

    def __init__(self, routing_key, **kwargs):
        super().__init__(PRODUCERS, routing_key, **kwargs)

    def handle_message(self, body, message):
        # kombu decoded the body by its content type; a body it could not decode never gets here
        # (handle_undecodable dead-letters it), and one without a content type arrives undecoded.
        properties = answering_properties(message)
        if message.content_type != "application/json":
            self._dead_letter(message, f"content_type is {message.content_type!r}, not 'application/json'",
                              _attempt(message))
        elif not properties["reply_to"]:
            self._dead_letter(message, "no reply_to property: there is nowhere to answer", _attempt(message))
        else:
            received = ReceivedMessage(self.event_type, body, **properties)
            Consumer.handle_message(self, received, message)  # not the envelope check of ReliableEventHandler

    def _forward(self, message, routing_key, extra_headers, exchange=""):
        kept = {_header(name): value for name, value in answering_properties(message).items() if value}
        super()._forward(message, routing_key, {**kept, **extra_headers}, exchange)


def answering_properties(message):
    """message_id, reply_to and correlation_id: the message's own, else those it carried through a retry."""
    headers = message.headers or {}
    return {name: message.properties.get(name) or headers.get(_header(name)) for name in ANSWERING_PROPERTIES}


def _header(name):
    return "x-city311-original-" + name.replace("_", "-")


def _attempt(message):
    return int((message.headers or {}).get(ATTEMPT_HEADER, 1))


channel_message_handler = ChannelMessageHandler.decorator
