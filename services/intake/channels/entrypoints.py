"""Intake's door for channel systems, as a mixin of IntakeService (which provides `uow` and `jurisdiction`).

Channels publish to `channels.events` (request.submit.v1, information.log.v1);
each message is answered on its reply_to queue (docs/bus.md).
"""
import json

from nameko.web.handlers import http

from services.intake.channels import submissions
from services.intake.channels.consumer import channel_message_handler
from services.intake.channels.replies import ChannelReplies

JSON = {"Content-Type": "application/json"}


class ChannelIntake:
    """Service requests and information contacts from channel systems, over the bus."""

    channel_replies = ChannelReplies()

    @channel_message_handler("request.submit.v1")
    def on_channel_request(self, received):
        with self.uow() as uow:
            submissions.submit_request(uow, received, self.jurisdiction)
        self.channel_replies.wake()

    @channel_message_handler("information.log.v1")
    def on_channel_information(self, received):
        with self.uow() as uow:
            submissions.log_information(uow, received)
        self.channel_replies.wake()

    @http("GET", "/channels/<string:channel>/messages/<path:message_id>")
    def channel_message_answer(self, request, channel, message_id):
        """The answer a channel message got, for a channel that lost its reply."""
        with self.uow() as uow:
            reply = submissions.previous_answer(uow.session, channel, message_id)
        if reply is None:
            return 404, JSON, json.dumps({"error": f"no message {message_id!r} from channel {channel!r}"})
        return 200, JSON, json.dumps(reply)
