"""What operations watches, gathered once for the console page (intake's /console/operations) and the terminal.

    python -m shared.operations status [--json]

Queues come from RabbitMQ's management HTTP API (RABBITMQ_MANAGEMENT_URL, _USER, _PASSWORD; by default
the AMQP host's port 15672 and the AMQP user), grouped by the service that consumes them; dead letters
from each service's `<service>.dlq` over AMQP; readiness from each service's /health and outbox figures
from its /metrics (<SERVICE>_URL, by default the ports of the reference design). Whatever does not
answer is said plainly, never guessed.
"""
import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote, unquote, urlparse

import requests
from amqp.exceptions import NotFound
from prometheus_client.parser import text_string_to_metric_families

from shared.config import SERVICES
from shared.messaging import deadletters
from shared.messaging.broker import amqp_uri, local_node_note
from shared.messaging.nodes import first_node, vhost_of

TIMEOUT_SECONDS = 3
DEFAULT_PORTS = {"intake": 8311, "metrics": 8312, "notifications": 8313, "workorders": 8314, "routing": 8315}
GROWING_AMBER, GROWING_RED = 50, 1000   # ready messages on a growing queue that turn its row amber, red


@dataclass(frozen=True)
class OperationsSettings:
    management_url: str
    management_user: str
    management_password: str
    amqp_uri: str
    service_urls: dict

    @classmethod
    def from_config(cls, config=None):
        """From a service's config (nameko's), then the environment, then the defaults."""
        def setting(name, default):
            return str((config or {}).get(name) or os.environ.get(name) or default)
        uri = setting("AMQP_URI", amqp_uri())
        broker = urlparse(first_node(uri))   # a cluster's list: the management API of its first node
        own = local_node_note(first_node(uri))   # the project's own node: its management port as it noted
        port = own["tooling_ports"]["management"] if own else 15672
        return cls(setting("RABBITMQ_MANAGEMENT_URL", f"http://{broker.hostname or 'localhost'}:{port}"),
                   setting("RABBITMQ_MANAGEMENT_USER", unquote(broker.username or "guest")),
                   setting("RABBITMQ_MANAGEMENT_PASSWORD", unquote(broker.password or "guest")), uri,
                   {s: setting(f"{s.upper()}_URL", f"http://localhost:{DEFAULT_PORTS[s]}") for s in SERVICES})

    @property
    def vhost(self):
        return vhost_of(first_node(self.amqp_uri))


@dataclass
class QueueRow:
    name: str
    kind: str                      # work, retry, dead letters, other
    handler: str | None
    ready: int
    unacked: int
    consumers: int
    publish_rate: float
    deliver_rate: float
    oldest_seconds: float | None
    state: str = "ok"              # ok, amber, red
    reasons: list = field(default_factory=list)


@dataclass
class Status:
    checked_at: str
    management_error: str | None
    queues: dict                   # service -> [QueueRow]
    dead_letters: dict             # service -> [description]
    dead_letter_error: str | None
    services: dict                 # service -> {"ready": bool, "status": ..., "detail": ..., "outbox": {...}}
    departments: dict = field(default_factory=dict)   # work-order system -> see department_systems()

    def as_dict(self):
        return asdict(self)


def classify(queue):
    """(service, kind, handler) of a queue, from the names shared/messaging/topology.py gives them."""
    name = queue["name"]
    if name.startswith("evt-") and "--" in name:
        service, _, handler = name.split("--", 1)[1].partition(".")
        return service, "work", handler
    service, _, rest = name.partition(".")
    if rest == "dlq":
        return service, "dead letters", None
    if rest.startswith("retry."):
        return service, "retry", None
    return (service if service in SERVICES else "other"), "other", None


def queue_row(queue, now):
    service, kind, handler = classify(queue)
    stats = queue.get("message_stats") or {}
    head = queue.get("head_message_timestamp")
    row = QueueRow(queue["name"], kind, handler, int(queue.get("messages_ready") or 0),
                   int(queue.get("messages_unacknowledged") or 0), int(queue.get("consumers") or 0),
                   float((stats.get("publish_details") or {}).get("rate") or 0.0),
                   float((stats.get("deliver_get_details") or {}).get("rate") or 0.0),
                   max(0.0, now - head) if isinstance(head, (int, float)) else None)
    growing = float((queue.get("messages_details") or {}).get("rate") or 0.0) > 0
    flags = [("red", kind == "dead letters" and row.ready + row.unacked > 0, "dead letters present"),
             ("red", kind == "work" and row.consumers == 0 and row.ready > 0, "messages wait and no consumer"),
             ("amber", kind == "work" and row.consumers == 0 and row.ready == 0, "no consumer"),
             ("red", growing and row.ready >= GROWING_RED, f"growing, {row.ready} ready"),
             ("amber", growing and GROWING_AMBER <= row.ready < GROWING_RED, f"growing, {row.ready} ready")]
    row.reasons = [why for _, on, why in flags if on]
    states = {state for state, on, _ in flags if on}
    row.state = "red" if "red" in states else "amber" if states else "ok"
    return service, row


def queues(settings, now=None):
    """({service: [QueueRow]}, None) from the management API, or ({}, why it could not be read)."""
    url = f"{settings.management_url.rstrip('/')}/api/queues/{quote(settings.vhost, safe='')}"
    try:
        response = requests.get(url, auth=(settings.management_user, settings.management_password),
                                timeout=TIMEOUT_SECONDS)
        if response.status_code in (401, 403):
            return {}, f"the management API at {settings.management_url} refused the operations user " \
                       f"({response.status_code}): check RABBITMQ_MANAGEMENT_USER and _PASSWORD"
        response.raise_for_status()
        listed = response.json()
    except (requests.RequestException, ValueError) as exc:
        return {}, f"the RabbitMQ management API at {settings.management_url} is unreachable ({type(exc).__name__})"
    grouped = {}
    for queue in sorted(listed, key=lambda q: q["name"]):
        service, row = queue_row(queue, now or time.time())
        grouped.setdefault(service, []).append(row)
    return grouped, None


def dead_letters(settings):
    """({service: [description]}, None), or ({}, why) when the broker does not answer over AMQP.

    A service that never ran has no dead-letter queue yet: none of its letters, not an error."""
    found = {}
    try:
        for service in SERVICES:
            try:
                found[service] = deadletters.list_dead_letters(f"{service}.dlq", settings.amqp_uri)
            except NotFound:
                found[service] = []
    except Exception as exc:    # noqa: BLE001 (any broker error: the page says it, the rest still shows)
        return {}, f"the broker did not answer ({type(exc).__name__}: {str(exc)[:200]})"
    return found, None


def service_state(base_url):
    """A service's readiness (GET /health) and the outbox figures of its /metrics, when it exports any."""
    try:
        response = requests.get(f"{base_url.rstrip('/')}/health", timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return {"ready": False, "status": "not answering", "detail": type(exc).__name__, "outbox": {}}
    try:
        detail = response.json()
    except ValueError:
        detail = response.text[:300]
    state = {"ready": response.status_code == 200, "status": "ready" if response.status_code == 200 else
             f"not ready ({response.status_code})", "detail": detail, "outbox": {}, "samples": []}
    try:
        metrics = requests.get(f"{base_url.rstrip('/')}/metrics", timeout=TIMEOUT_SECONDS)
        if metrics.status_code == 200:
            samples = [sample for family in text_string_to_metric_families(metrics.text) for sample in family.samples]
            state["outbox"] = {s.name: s.value for s in samples if "outbox" in s.name}
            state["samples"] = [(s.name, s.labels, s.value) for s in samples if s.name.startswith("city311_workorders")]
    except (requests.RequestException, ValueError):
        pass    # no /metrics (yet): readiness still shows
    return state


def department_systems(workorders):
    """{system: {"breaker", "waiting", "oldest_pending_seconds"}} from workorders' /health (its breakers) and
    /metrics (links not yet created, the oldest one's age); {} when workorders does not answer."""
    breakers = workorders["detail"].get("department_systems", {}) if isinstance(workorders["detail"], dict) else {}
    systems = {name: {"breaker": state, "waiting": 0, "oldest_pending_seconds": 0.0}
               for name, state in breakers.items()}
    elsewhere = "not configured" if breakers else "unknown"   # links for a system workorders has no adapter for
    for name, labels, value in workorders.get("samples", []):
        system = systems.setdefault(labels.get("system", "?"), {"breaker": elsewhere, "waiting": 0,
                                                                 "oldest_pending_seconds": 0.0})
        if name == "city311_workorders_links" and labels.get("state") in ("pending", "leased"):
            system["waiting"] += int(value)
        elif name == "city311_workorders_oldest_pending_link_age_seconds":
            system["oldest_pending_seconds"] = value
    return systems


def gather(settings):
    """Everything the console and the terminal show, read at once (each source bounded by TIMEOUT_SECONDS)."""
    with ThreadPoolExecutor(max_workers=len(SERVICES) + 2) as pool:
        found_queues = pool.submit(queues, settings)
        found_letters = pool.submit(dead_letters, settings)
        found_services = {s: pool.submit(service_state, url) for s, url in settings.service_urls.items()}
        (grouped, management_error), (letters, letters_error) = found_queues.result(), found_letters.result()
        services = {s: f.result() for s, f in found_services.items()}
        departments = department_systems(services["workorders"]) if "workorders" in services else {}
        for state in services.values():
            state.pop("samples", None)
        return Status(datetime.now(timezone.utc).isoformat(timespec="seconds"), management_error, grouped,
                      letters, letters_error, services, departments)


def render_text(status):
    """The status as a terminal shows it: one line per queue and per service, problems first in each line."""
    lines = [f"city311 status at {status.checked_at}", "", "Queues"]
    if status.management_error:
        lines.append(f"  UNKNOWN: {status.management_error}")
    elif not status.queues:
        lines.append("  no queues on this virtual host (no service has started on it)")
    for service, rows in sorted(status.queues.items()):
        lines.append(f"  {service}")
        for r in rows:
            oldest = f" oldest {r.oldest_seconds:.0f}s" if r.oldest_seconds is not None else ""
            lines.append(f"    [{r.state.upper():5}] {r.name}: ready {r.ready} unacked {r.unacked} consumers "
                         f"{r.consumers} in {r.publish_rate:.1f}/s out {r.deliver_rate:.1f}/s{oldest}"
                         + (f" -- {'; '.join(r.reasons)}" if r.reasons else ""))
    lines += ["", "Dead letters"]
    if status.dead_letter_error:
        lines.append(f"  UNKNOWN: {status.dead_letter_error}")
    for service, letters in sorted(status.dead_letters.items()):
        for d in letters:
            lines.append(f"  {service}: {d['id']} {d['event_type'] or '(not an event)'} in {d['queue']} after "
                         f"{d['attempts']} attempt(s) at {d['failed_at']}: {(d['error'] or '')[:160]}")
    if not status.dead_letter_error and not any(status.dead_letters.values()):
        lines.append("  none")
    lines += ["", "Services"]
    for service, state in status.services.items():
        outbox = ", ".join(f"{k} {v:g}" for k, v in state["outbox"].items())
        lines.append(f"  {service}: {state['status']}" + (f" -- outbox: {outbox}" if outbox else ""))
    lines += ["", "Department systems"]
    if not status.departments:
        lines.append("  UNKNOWN: workorders does not answer")
    for name, system in sorted(status.departments.items()):
        lines.append(f"  {name}: breaker {system['breaker']}, {system['waiting']} work order(s) waiting, oldest "
                     f"{system['oldest_pending_seconds']:.0f}s")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m shared.operations", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    status_command = commands.add_parser("status", help="queues, dead letters and services' readiness, now")
    status_command.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)
    status = gather(OperationsSettings.from_config())
    print(json.dumps(status.as_dict(), indent=2, default=str) if args.json else render_text(status))
    problems = status.management_error or status.dead_letter_error or any(
        r.state == "red" for rows in status.queues.values() for r in rows) or not all(
        s["ready"] for s in status.services.values()) or any(
        d["breaker"] != "closed" for d in status.departments.values())
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
