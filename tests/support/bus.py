"""Watch and poke the bus from tests with plain kombu, as an outside client would."""
import json
import threading
import uuid

from kombu import Connection, Exchange, Queue

EXCHANGES = ("intake", "routing", "workorders", "notifications", "metrics")


def event_exchange(service):
    # Declared exactly as nameko declares it, or the broker refuses the redeclaration.
    return Exchange(f"{service}.events", type="topic", durable=True, auto_delete=False, delivery_mode=2)


class BusTap:
    """Copies every event published on the services' exchanges into a list, for assertions."""

    def __init__(self, uri):
        self.uri = uri
        self.events = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("bus tap could not attach to the broker")
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)

    def _run(self):
        name = f"test-tap-{uuid.uuid4().hex[:8]}"
        with Connection(self.uri) as connection:
            queue = Queue(name, exclusive=True, auto_delete=True, durable=False,
                          bindings=[_binding(s) for s in EXCHANGES])
            with connection.Consumer(queue, callbacks=[self._on_message], accept=["json"]):
                self._ready.set()
                while not self._stop.is_set():
                    try:
                        connection.drain_events(timeout=0.2)
                    except TimeoutError:
                        pass
                    except OSError:
                        pass

    def _on_message(self, body, message):
        with self._lock:
            self.events.append(body if isinstance(body, dict) else json.loads(body))
        message.ack()

    def of_type(self, event_type, correlation_id=None):
        with self._lock:
            return [e for e in self.events if e.get("event_type") == event_type
                    and (correlation_id is None or e.get("correlation_id") == correlation_id)]


def _binding(service):
    from kombu import binding
    return binding(event_exchange(service), routing_key="#")


def publish_raw(uri, exchange_service, routing_key, body, content_type="application/json", headers=None):
    """Publish bytes or a dict to a service's events exchange with confirms, like any client."""
    payload = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        producer.publish(payload, exchange=event_exchange(exchange_service), routing_key=routing_key,
                         content_type=content_type, content_encoding="utf-8", delivery_mode=2,
                         headers=headers or {}, declare=[event_exchange(exchange_service)])


def get_one(uri, queue_name, timeout=15.0):
    """Take one message off a queue (acked), waiting up to `timeout` seconds; None if none came."""
    import time
    deadline = time.monotonic() + timeout
    with Connection(uri) as connection:
        channel = connection.channel()
        while time.monotonic() < deadline:
            message = channel.basic_get(queue_name, no_ack=True)
            if message is not None:
                return message
            time.sleep(0.1)
    return None
