"""A nameko service with one reliable event handler, for testing the messaging core on the real broker.

It records each event it applies. The event's description steers the handler:
"hold" waits until the file `<HOLD_DIR>/release` exists; "block" does too, blocking the whole process
meanwhile (as a CPU-bound handler or a driver that does not yield would); "fail" raises; "crash" ends the process
at once (os._exit, as a killed worker would); anything else is applied. Each handler run first touches
`<HOLD_DIR>/started-<service_request_id>` so a test can see that it started.
"""
import json
import os
from pathlib import Path

import eventlet
import eventlet.patcher
from nameko import config
from nameko.web.handlers import http
from sqlalchemy import Column, MetaData, String, Table, insert

from shared.messaging.entrypoints import reliable_event_handler
from shared.persistence.provider import UnitOfWorkProvider

metadata = MetaData()
applied = Table("applied", metadata,
                Column("event_id", String(36), primary_key=True),
                Column("service_request_id", String(40), nullable=False))


class MessagingProbe:
    name = "msgprobe"
    uow = UnitOfWorkProvider()

    @reliable_event_handler("intake", "RequestCreated")
    def on_created(self, event):
        data = event["data"]
        hold_dir = Path(config["HOLD_DIR"])
        (hold_dir / f"started-{data['service_request_id']}").touch()
        if data["description"] == "crash":
            os._exit(3)
        if data["description"] == "fail":
            raise ValueError(f"cannot apply {data['service_request_id']}")
        sleep = {"hold": eventlet.sleep, "block": eventlet.patcher.original("time").sleep}.get(data["description"])
        while sleep and not (hold_dir / "release").exists():
            sleep(0.1)
        with self.uow() as uow:
            if uow.claim(event, "msgprobe.on_created"):
                uow.session.execute(insert(applied).values(event_id=event["event_id"],
                                                           service_request_id=data["service_request_id"]))

    @http("GET", "/health")
    def health(self, request):
        # ready only once the handler consumes: the tests publish on this answer, into a queue it declares
        status, body = self.uow.readiness.health()
        return status, json.dumps(body)
