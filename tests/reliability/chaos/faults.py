"""The fault catalogue: each kind of fault one small class, injected and healed against a running system.

A fault's `act(run, seconds)` injects it, keeps it `seconds` (the load goes on), and heals
it; most faults are an inject and a heal around a pause. `kind` groups the rows of the
table (the subset inside `make test` runs one row per kind).
"""
import functools
import json
import time
import uuid
from dataclasses import dataclass

import requests
from kombu import Connection, Exchange, Queue
from nameko.standalone.events import get_event_exchange

from shared.config import SERVICES
from shared.messaging.declare import handlers_of, service_class
from shared.messaging.topology import work_queue_name
from tests.reliability.chaos.invariants import POISON_TAG, STAFF, STAFF_ROLE
from tests.support.service_tokens import staff_headers
from tests.support.waiting import wait_until

DEPARTMENT_CODES = {"streets": "PW-STREETS", "watershed": "WATERSHED", "solidwaste": "SOLID-WASTE",
                    "forestry": "PARKS-FORESTRY", "transportation": "TRANSPORTATION",
                    "codeenforcement": "CODE-ENFORCEMENT"}


class Fault:
    """A fault of a kind, with the seconds it is kept by default."""
    kind = "fault"
    seconds = 20.0

    @property
    def name(self):
        return self.kind

    def act(self, run, seconds):
        self.inject(run)
        try:
            time.sleep(seconds)
        finally:
            self.heal(run)

    def inject(self, run):
        raise NotImplementedError

    def heal(self, run):
        """Nothing to undo by default: the system (or its supervisor) is expected to recover."""


@dataclass
class KillProcess(Fault):
    """kill -9 of one process, `times` times at random moments of the fault's window."""
    process: str
    times: int = 3
    kind = "kill -9"

    @property
    def name(self):
        return f"kill -9 {self.process} x{self.times}"

    def act(self, run, seconds):
        slot = seconds / self.times
        for _ in range(self.times):
            pause = run.random.uniform(0, slot)
            time.sleep(pause)
            run.system.wait_running(120)       # kill the running process, not one still starting
            if not run.system.supervisor.kill(self.process):
                raise RuntimeError(f"{self.process} has no process to kill")
            time.sleep(slot - pause)


class BrokerStopped(Fault):
    """The run's own RabbitMQ node stops serving (rabbitmqctl stop_app), then starts again."""
    kind = "RabbitMQ stopped and started"

    def inject(self, run):
        run.node.stop_app()

    def heal(self, run):
        run.node.start_app()


@dataclass
class ConnectionReset(Fault):
    """Every connection between one service and the broker reset (TCP RST through the run's proxy)."""
    service: str = "workorders"      # the service the run puts behind its proxy
    times: int = 3
    kind = "connection reset service-broker"

    @property
    def name(self):
        return f"connection reset {self.service} <-> broker x{self.times}"

    def act(self, run, seconds):
        slot, cut = seconds / self.times, 0
        for _ in range(self.times):
            pause = run.random.uniform(slot / 4, slot)
            time.sleep(pause)
            cut += run.proxy.cut()
            time.sleep(slot - pause)
        if cut == 0:   # the service never connected through the proxy: the fault did not happen
            raise RuntimeError(f"no connection of {self.service} went through the proxy to reset")
        run.note(f"reset {cut} connections")


class PostgresDown(Fault):
    """The run's own PostgreSQL server stopped (fast: connections cut), started again after the window."""
    kind = "PostgreSQL unavailable"
    seconds = 180.0

    @property
    def name(self):
        return "PostgreSQL unavailable"

    def inject(self, run):
        run.postgres.stop_server()

    def heal(self, run):
        run.postgres.start_server()


@dataclass
class DepartmentFault(Fault):
    """A department system down, slow or erroring, through its own POST /admin/faults."""
    system: str
    how: str            # down | slow | errors
    kinds = {"down": "department system down", "slow": "department system slow",
             "errors": "department system erroring 50 %"}

    @property
    def kind(self):
        return self.kinds[self.how]

    @property
    def seconds(self):
        return 300.0 if self.how == "down" else 60.0

    @property
    def name(self):
        return f"{self.system} {self.kinds[self.how].split('system ')[1]}"

    def act(self, run, seconds):
        body = {"down": {"down_for_seconds": seconds + 60}, "slow": {"slow_ms": 5000},
                "errors": {"error_rate": 0.5}}[self.how]
        self._faults(run, body)
        try:
            time.sleep(seconds)
        finally:
            self._faults(run, {"clear": True})

    def _faults(self, run, body):
        requests.post(run.system.url(self.system, "/admin/faults"), json=body, timeout=30).raise_for_status()


class SmtpDown(Fault):
    """The mail server refuses every message for a while (451, temporary): the catch-all's `defer` fault."""
    kind = "SMTP down"

    def inject(self, run):
        _devserver_faults(run, "mailcatcher", {"defer": 10**9})

    def heal(self, run):
        _devserver_faults(run, "mailcatcher", {"clear": True})


class SmsDown(Fault):
    """The SMS gateway answers 503 to every send for a while: its `fail_next` fault."""
    kind = "SMS gateway down"

    def inject(self, run):
        _devserver_faults(run, "smsgateway", {"fail_next": 10**9})

    def heal(self, run):
        _devserver_faults(run, "smsgateway", {"clear": True})


def _devserver_faults(run, name, body):
    requests.post(run.system.url(name, "/api/faults"), json=body, timeout=30).raise_for_status()


@functools.cache
def consumer_queues():
    """[(consuming service, source service, event type, work queue)] of every reliable event handler."""
    queues = []
    for service in SERVICES:   # the services' own classes say what they consume
        for source, event_type, method in handlers_of(service_class(service)):
            queues.append((service, source, event_type, work_queue_name(source, event_type, service, method)))
    return queues


@dataclass
class Poison(Fault):
    """Not JSON, wrong schema and huge messages to every event queue, and duplicate deliveries of real events.

    The poison must end in its consumer's dead-letter queue with a reason (the checker expects
    exactly it there); the duplicates must change nothing anyone can see.
    """
    huge_bytes: int = 1_000_000
    duplicates: int = 300
    kind = "poison and duplicate deliveries"
    seconds = 10.0

    def act(self, run, seconds):
        with Connection(run.system.amqp_uri, connect_timeout=10) as connection:
            tap = _tap(connection)
            time.sleep(seconds)     # real events flow into the tap meanwhile
            producer = connection.Producer()
            for consumer, source, event_type, queue in consumer_queues():
                for what, body in self._poison(source, event_type):
                    marker = _marker_in(body)
                    producer.publish(body, exchange="", routing_key=queue, content_type="application/json",
                                     content_encoding="utf-8", delivery_mode=2, retry=True)
                    run.poison[marker] = (f"{consumer}.dlq", what)
            run.note(f"published {len(consumer_queues()) * 3} poison messages, "
                     f"{_replay(connection, tap, self.duplicates)} duplicate deliveries")

    def _poison(self, source, event_type):
        def marker():
            return f"{POISON_TAG.decode()}{uuid.uuid4().hex}"
        envelope = {"event_id": str(uuid.uuid4()), "event_type": event_type, "schema_version": 1,
                    "occurred_at": "2026-01-01T00:00:00+00:00", "producer": source}
        yield "not JSON", f"{{not json {marker()}".encode()
        yield "wrong schema", json.dumps({"chaos": marker(), "event_type": event_type}).encode()
        huge = {**envelope, "correlation_id": marker(),
                "data": {"service_request_id": "chaos", "padding": "x" * self.huge_bytes}}
        yield "huge", json.dumps(huge).encode()


def _marker_in(body):
    at = body.find(POISON_TAG)
    end = at + len(POISON_TAG) + 32
    return body[at:end].decode()


def _tap(connection):
    """A queue of our own bound to every service's event exchange: copies of the real events."""
    name = f"chaos-tap-{uuid.uuid4().hex[:8]}"
    channel = connection.channel()
    for service in SERVICES:
        exchange = get_event_exchange(service)
        Queue(name, exchange=exchange, routing_key="#", durable=False, auto_delete=False)(channel).declare()
    return channel, name


def _replay(connection, tap, limit):
    """Publish the tapped events again, as they were: duplicate deliveries to every queue bound to them."""
    channel, name = tap
    producer = connection.Producer()
    replayed = 0
    while replayed < limit:
        message = channel.basic_get(name, no_ack=True)
        if message is None:
            break
        producer.publish(message.body, exchange=Exchange(message.delivery_info["exchange"], type="topic",
                                                         durable=True),
                         routing_key=message.delivery_info["routing_key"], headers=message.headers,
                         content_type=message.content_type, content_encoding=message.content_encoding,
                         delivery_mode=2, declare=[], retry=True)
        replayed += 1
    channel.queue_delete(name)
    channel.close()
    return replayed


@dataclass
class StaffRerouteWhileSlow(Fault):
    """Staff re-route a request while its first create is slow in the old department's system (defect 1)."""
    old: str = "streets"
    new: str = "watershed"
    slow_ms: int = 8000
    kind = "staff re-route while the first create is slow"
    seconds = 15.0

    @property
    def name(self):
        return f"re-route {self.old} -> {self.new} while the create is slow"

    def act(self, run, seconds):
        url = run.system.url(self.old, "/admin/faults")
        requests.post(url, json={"slow_ms": self.slow_ms}, timeout=30).raise_for_status()
        try:
            rid = run.submit_request(DEPARTMENT_CODES[self.old])
            wait_until(lambda: _routed_to(run, rid, self.old), 60, 0.2, f"{rid} routed to {self.old}")
            time.sleep(1)    # the create is on its way to the slow system
            answer = requests.post(run.system.url("routing", f"/api/requests/{rid}/route"), timeout=30,
                                   headers=staff_headers("routing", STAFF, STAFF_ROLE),
                                   json={"department": DEPARTMENT_CODES[self.new],
                                         "reason": "belongs to the other department"})
            if answer.status_code != 200:   # no re-route, no fault: the row must not pass for nothing
                raise RuntimeError(f"routing refused the re-route of {rid}: {answer.status_code} {answer.text[:200]}")
            run.note(f"re-routed {rid} from {self.old} to {self.new} during its slow create")
            time.sleep(seconds)
        finally:
            requests.post(url, json={"clear": True}, timeout=30).raise_for_status()


def _routed_to(run, rid, system):
    record = requests.get(run.system.url("routing", f"/api/requests/{rid}"), timeout=10,
                          headers=staff_headers("routing", STAFF, STAFF_ROLE))
    return record.status_code == 200 and record.json().get("work_order_system") == system


class ReversedEventsToIntake(Fault):
    """Intake's events from routing and workorders held back, then delivered late and in reverse (defect 2).

    Intake's work queues are unbound from the exchanges and a holding queue takes their
    events; after the window the queues are bound again, and the held events are published
    to them newest first -- so a WorkOrderClosed arrives before its WorkOrderCreated.
    """
    kind = "events to intake in reversed order"
    seconds = 20.0

    def act(self, run, seconds):
        pairs = [(source, event_type, queue) for consumer, source, event_type, queue in consumer_queues()
                 if consumer == "intake" and source in ("routing", "workorders")]
        hold = f"chaos-held-intake-{uuid.uuid4().hex[:8]}"
        with Connection(run.system.amqp_uri, connect_timeout=10) as connection:
            channel = connection.channel()
            for source, event_type, queue in pairs:
                Queue(hold, exchange=get_event_exchange(source), routing_key=event_type, durable=True,
                      auto_delete=False)(channel).declare()
                channel.queue_unbind(queue, get_event_exchange(source).name, event_type)
            try:
                time.sleep(seconds)
            finally:
                for source, event_type, queue in pairs:
                    channel.queue_bind(queue, get_event_exchange(source).name, event_type)
                    channel.queue_unbind(hold, get_event_exchange(source).name, event_type)
            held = []
            while (message := channel.basic_get(hold, no_ack=False)) is not None:
                held.append(message)
            target = {(get_event_exchange(s).name, t): q for s, t, q in pairs}
            producer = connection.Producer()
            for message in reversed(held):
                info = message.delivery_info
                producer.publish(message.body, exchange="", routing_key=target[(info["exchange"],
                                                                               info["routing_key"])],
                                 headers=message.headers, content_type=message.content_type,
                                 content_encoding=message.content_encoding, delivery_mode=2, retry=True)
            channel.queue_delete(hold)   # the originals go with it: their copies are on intake's queues
            run.note(f"held {len(held)} events to intake, delivered them newest first")
            channel.close()


def catalogue(legacy_systems, postgres=False, kills=3):
    """Every row of the full table, in order."""
    faults = [KillProcess(p, kills) for p in (*SERVICES, *legacy_systems)]
    faults += [BrokerStopped(), ConnectionReset()]
    if postgres:
        faults.append(PostgresDown())
    faults += [DepartmentFault(s, how) for how in ("down", "slow", "errors") for s in legacy_systems]
    faults += [SmtpDown(), SmsDown(), Poison(), StaffRerouteWhileSlow(), ReversedEventsToIntake()]
    return faults


def one_per_kind(faults):
    """The first row of each kind (the bounded subset)."""
    seen, chosen = set(), []
    for fault in faults:
        if fault.kind not in seen:
            seen.add(fault.kind)
            chosen.append(fault)
    return chosen


def pick(faults, names):
    """The rows whose name or kind contains one of `names` (case-insensitive); all when `names` is empty."""
    if not names:
        return faults
    wanted = [n.lower() for n in names]
    return [f for f in faults if any(w in f.name.lower() or w in f.kind.lower() for w in wanted)]
