"""The observer: a process of its own that watches the bus, the metrics stream, the queues and the processes.

It runs apart from the load driver so that consuming thousands of events a second
does not steal the driver's interpreter (and so the driver's timings stay honest).
The driver reads a few live figures from shared memory; everything else comes back
once, when the observer stops.
"""
import multiprocessing
import time
import uuid

import pika
import pika.exceptions

from bench.connect import blocking_connection
from bench.milestones import WATCHED, Milestones
from bench.sampling import ProcessUsage, QueueDepths, pids_matching, pids_named

BACKLOG, SAMPLED_AT, WORK_ORDERS, FIRSTS, MESSAGES, COUNTED = range(6)
STREAM_PREFETCH = 1000


class Observer:
    """Main-process handle: start, read live figures, stop and collect."""

    def __init__(self, amqp_uri, stream_queue, work_queues, other_queues, process_groups):
        context = multiprocessing.get_context("spawn")
        self.live = context.Array("d", 6, lock=False)
        self._stop, self._ready = context.Event(), context.Event()
        self._results, child_end = context.Pipe(duplex=False)
        settings = {"amqp_uri": amqp_uri, "stream_queue": stream_queue, "work_queues": work_queues,
                    "other_queues": other_queues, "process_groups": process_groups}
        self._process = context.Process(target=observe, name="bench-observer", daemon=True,
                                        args=(settings, self.live, self._ready, self._stop, child_end))

    def start(self, timeout=120):
        self._process.start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.5):
            if not self._process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the observer could not attach to the broker (its error is above)")
        return self

    def check(self):
        """Raise if the observer has died (e.g. the broker restarted under it): the run would count nothing."""
        if not self._process.is_alive():
            raise RuntimeError("the observer stopped (its error is above): the run cannot be accounted for")

    @property
    def backlog(self):
        return int(self.live[BACKLOG])

    @property
    def work_orders(self):
        return int(self.live[WORK_ORDERS])

    @property
    def counted(self):
        return int(self.live[COUNTED])

    @property
    def firsts(self):
        """How many milestones have been seen so far (it stops moving when the system has settled)."""
        return int(self.live[FIRSTS])

    def stop(self, timeout=120):
        """Stop watching; the milestones by id, the queue samples and the process samples."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        while not self._results.poll(1):
            self.check()
            if time.monotonic() > deadline:
                raise RuntimeError("the observer did not hand its results back")
        results = self._results.recv()
        self._process.join(30)
        return results


def observe(settings, live, ready, stop, results):
    """The observer process: consume, sample once a second, hand everything back when told to stop."""
    connection = blocking_connection(settings["amqp_uri"])
    milestones = Milestones()
    _tap(connection, milestones)
    stream_problem = _follow_stream(connection, settings["stream_queue"], milestones)
    queues = QueueDepths(connection, settings["work_queues"], settings["other_queues"])
    usage = ProcessUsage({name: _finder(spec) for name, spec in settings["process_groups"].items()})
    queue_samples, process_samples = [], []
    usage.sample()
    ready.set()
    next_sample = time.time()
    while not stop.is_set():
        connection.process_data_events(time_limit=0.1)
        if time.time() >= next_sample:
            next_sample += 1.0
            queue_samples.append(queues.sample())
            process_samples.append(usage.sample())
            live[BACKLOG], live[SAMPLED_AT] = queue_samples[-1]["backlog"], queue_samples[-1]["t"]
            live[WORK_ORDERS], live[FIRSTS] = milestones.count("work_order"), milestones.firsts
            live[MESSAGES], live[COUNTED] = milestones.messages, milestones.count("counted")
    results.send({"milestones": milestones.by_id, "queue_samples": queue_samples,
                  "process_samples": process_samples, "messages": milestones.messages,
                  "stream_problem": stream_problem})
    _close(connection)


def _close(connection):
    """Close without cancelling the consumers first: pika's cancel would nack the stream's
    prefetched messages, which a stream refuses by closing the connection (540 NOT_IMPLEMENTED)."""
    try:
        connection._impl.close()
        connection.process_data_events(time_limit=1)
    except pika.exceptions.AMQPError:
        pass


def _tap(connection, milestones):
    channel = connection.channel()
    queue = channel.queue_declare(f"bench-tap-{uuid.uuid4().hex[:8]}", exclusive=True,
                                  auto_delete=True).method.queue
    for service, event_types in WATCHED.items():
        exchange = f"{service}.events"
        channel.exchange_declare(exchange, "topic", durable=True)   # as nameko declares it
        for event_type in event_types:
            channel.queue_bind(queue, exchange, routing_key=event_type)
    channel.basic_consume(queue, lambda ch, method, props, body: milestones.on_event(body), auto_ack=True)


def _follow_stream(connection, stream_queue, milestones):
    channel = connection.channel()
    channel.basic_qos(prefetch_count=STREAM_PREFETCH)
    seen = [0]

    def on_message(ch, method, props, body):
        milestones.on_stream(body)
        seen[0] += 1
        if seen[0] % 100 == 0:
            ch.basic_ack(method.delivery_tag, multiple=True)   # a stream needs acks to keep delivering

    try:
        channel.basic_consume(stream_queue, on_message, arguments={"x-stream-offset": "next"})
    except pika.exceptions.ChannelClosedByBroker as exc:   # no metrics stream: "counted" stays unreached
        return f"cannot follow {stream_queue}: {exc}"
    return None


def _finder(spec):
    kind, value = spec
    if kind == "pids":
        return lambda: list(value)
    if kind == "named":
        return pids_named(*value)
    return pids_matching(value)
