"""A nameko service with one batch handler, for testing `reliable_event_handler(batch=True)` on the real broker.

It records each event it applies with the size of the batch that applied it. An event whose description is
"slow" holds its worker for a while (so the next events queue up behind it); "poison" makes the handler raise.
"""
import json

import eventlet
from nameko.web.handlers import http
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from shared.messaging.entrypoints import reliable_event_handler
from shared.persistence.provider import UnitOfWorkProvider

metadata = MetaData()
applied = Table("applied", metadata,
                Column("event_id", String(36), primary_key=True),
                Column("service_request_id", String(40), nullable=False),
                Column("batch_size", Integer, nullable=False))


class BatchProbe:
    name = "batchprobe"
    uow = UnitOfWorkProvider()

    @reliable_event_handler("intake", "RequestCreated", batch=True)
    def on_created(self, events):
        with self.uow() as uow:
            for event in events:
                if not uow.claim(event, "batchprobe.on_created"):
                    continue
                data = event["data"]
                if data["description"] == "poison":
                    raise ValueError(f"poison in {data['service_request_id']}")
                if data["description"] == "slow":
                    eventlet.sleep(1.5)
                uow.session.execute(insert(applied).values(event_id=event["event_id"], batch_size=len(events),
                                                           service_request_id=data["service_request_id"]))

    @http("GET", "/health")
    def health(self, request):
        # ready only once the handler consumes: the tests publish on this answer, into a queue it declares
        status, body = self.uow.readiness.health()
        return status, json.dumps(body)
