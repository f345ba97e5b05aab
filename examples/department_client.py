"""A modern department work-order system on city311's bus: takes its work orders, reports status (docs/bus.md).

    python -m examples.department_client --department PW-STREETS [--step-seconds 3] [--amqp-uri URI]

It consumes the department's own quorum queue `departments.<code>` (the city
declares it once the department is on direct events), keeps its work orders in
memory (a real system keeps them in its database before acknowledging), and
walks each one through assigned → in progress → closed, publishing a
DepartmentStatusReport for each step to the exchange `departments.status`.
A repeated work order (same work_order_id) is taken once; a message it cannot
read is rejected, and the broker dead-letters it to `departments.<code>.dlq`.
"""
import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone

import pika
from pika.adapters.utils.connection_workflow import AMQPConnectorException
from pika.exceptions import AMQPConnectionError, ChannelClosedByBroker

from examples.connection import DEFAULT_URI, connection_parameters

STATUS_EXCHANGE = "departments.status"
STEPS = (("assigned", "Crew assigned"), ("in_progress", "Crew on site"), ("closed", "Work completed"))


def now():
    return datetime.now(timezone.utc).isoformat()


class DepartmentSystem:
    """Work orders by work_order_id; each step of each is reported once, with its own update id."""

    def __init__(self, connection, department, step_seconds, stop_after=None, out=sys.stdout):
        self.connection, self.department, self.step_seconds = connection, department, step_seconds
        self.stop_after, self.out = stop_after, out
        self.orders = {}
        self.closed = 0
        self.stop = lambda: None  # main() sets it to stop consuming
        self.reports = connection.channel()
        self.reports.confirm_delivery()

    def on_message(self, channel, method, properties, body):
        """One message from the city: handled, then acknowledged; one it cannot read is rejected (dead-lettered)."""
        try:
            message = json.loads(body)
            kind = (properties.type or "").split(".")[1]
            handle = getattr(self, f"on_{kind}")
        except (ValueError, IndexError, AttributeError, TypeError):
            self.say(f"cannot read a message of type {properties.type!r}: rejected to the dead letters")
            channel.basic_reject(method.delivery_tag, requeue=False)
            return
        handle(message)
        channel.basic_ack(method.delivery_tag)

    def on_routed(self, message):
        order_id = message["work_order_id"]
        if order_id in self.orders:
            self.say(f"{order_id}: sent again, already have it")
            return
        self.orders[order_id] = dict(message, step=0, generation=0, cancelled=False)
        self.say(f"{order_id}: new {message['priority']} work order, {message['service_code']} "
                 f"at {message.get('address') or 'the given location'}")
        self._schedule(order_id)

    def on_cancelled(self, message):
        order = self.orders.get(message["work_order_id"])
        if order:
            order["cancelled"] = True
        self.say(f"{message['work_order_id']}: cancelled by the city ({message['reason']})")

    def on_merged(self, message):
        self.say(f"{message['work_order_id']}: {message['duplicate_request_id']} reports the same problem")

    def on_reopened(self, message):
        order = self.orders.get(message["work_order_id"])
        self.say(f"{message['work_order_id']}: reopened ({message['reason']})")
        if order and order["step"] >= len(STEPS):
            order.update(step=0, generation=order["generation"] + 1)
            self._schedule(message["work_order_id"])

    def step(self, order_id, generation):
        """Report the work order's next status; schedule the one after."""
        order = self.orders[order_id]
        if order["cancelled"] or order["generation"] != generation or order["step"] >= len(STEPS):
            return
        status, note = STEPS[order["step"]]
        order["step"] += 1
        self.report(order, status, note, f"{order_id}:{generation}:{order['step']}")
        if status == "closed":
            self.closed += 1
            if self.stop_after and self.closed >= self.stop_after:
                self.stop()
        else:
            self._schedule(order_id)

    def report(self, order, status, note, update_id):
        """Publish a DepartmentStatusReport v1 (persistent, mandatory, confirmed)."""
        body = {"update_id": update_id, "work_order_id": order["work_order_id"],
                "service_request_id": order["service_request_id"], "department": self.department,
                "status": status, "changed_at": now(), "note": note,
                "resolution": "Repaired by the department's crew" if status == "closed" else None,
                "resolution_code": "REPAIRED" if status == "closed" else None}
        self.reports.basic_publish(
            STATUS_EXCHANGE, f"department.{self.department}.status", json.dumps(body).encode(),
            pika.BasicProperties(content_type="application/json", delivery_mode=2, type="department.status.v1",
                                 message_id=update_id, app_id=f"{self.department}-work-orders"),
            mandatory=True)
        self.say(f"{order['work_order_id']}: reported {status} for {order['service_request_id']}")

    def _schedule(self, order_id):
        generation = self.orders[order_id]["generation"]
        self.connection.call_later(self.step_seconds, lambda: self.step(order_id, generation))

    def say(self, text):
        print(f"{datetime.now().strftime('%H:%M:%S')} {self.department} {text}", file=self.out, flush=True)


def open_queue(connection, queue, wait_seconds):
    """A channel on which `queue` exists, waiting up to `wait_seconds` for the city to declare it."""
    deadline, told = time.monotonic() + wait_seconds, False
    while True:
        channel = connection.channel()
        try:
            channel.queue_declare(queue, passive=True)  # the city declares it, with its arguments
            return channel
        except ChannelClosedByBroker:
            if time.monotonic() >= deadline:
                raise
            if not told:
                print(f"waiting for the queue {queue}: is the department on direct events? (docs/bus.md)", flush=True)
                told = True
            connection.sleep(2)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m examples.department_client", description=__doc__.split("\n")[0])
    parser.add_argument("--department", required=True, help="the department's code, e.g. PW-STREETS")
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_URI))
    parser.add_argument("--step-seconds", type=float, default=3.0, help="time between status steps")
    parser.add_argument("--wait-seconds", type=float, default=120, help="how long to wait for the queue to exist")
    parser.add_argument("--stop-after", type=int, help="exit once this many work orders are closed")
    args = parser.parse_args(argv)
    queue = f"departments.{args.department}"
    try:
        connection = pika.BlockingConnection(connection_parameters(args.amqp_uri))
        channel = open_queue(connection, queue, args.wait_seconds)
    except (AMQPConnectionError, AMQPConnectorException) as error:
        sys.exit(f"cannot reach the broker at {args.amqp_uri}: {error!r} (is `make run` running?)")
    except ChannelClosedByBroker:
        sys.exit(f"no queue {queue}: put {args.department} on direct events first (docs/bus.md)")
    system = DepartmentSystem(connection, args.department, args.step_seconds, args.stop_after)
    channel.basic_qos(prefetch_count=20)
    channel.basic_consume(queue, system.on_message)
    system.stop = channel.stop_consuming
    system.say(f"taking work orders from {queue}; Ctrl-C stops")
    try:
        channel.start_consuming()
    except KeyboardInterrupt:
        pass
    finally:
        if connection.is_open:
            connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
