"""The operations console: queues by service, dead letters (replay, discard with a reason), services' readiness.

Read from RabbitMQ's management API, the dead-letter queues and each service's /health and /metrics
(shared/operations.py); the page says plainly what did not answer.
"""
import structlog

from shared import operations
from shared.config import SERVICES
from shared.messaging import deadletters

log = structlog.get_logger("city311.intake.web")
RECORDS_SHOWN = 20


def overview(page, errors=None, status=200):
    settings = page.site.operations
    state = operations.gather(settings)
    try:
        records, records_error = deadletters.discarded(settings.amqp_uri)[-RECORDS_SHOWN:][::-1], None
    except Exception as exc:    # noqa: BLE001 (the broker is away: the page says so, the rest shows)
        records, records_error = [], f"the broker did not answer ({type(exc).__name__})"
    return page.render("console/operations.html", status=status, state=state, records=records,
                       records_error=records_error, errors=errors or {}, args=page.args)


def dead_letter(page, service, letter_id):
    if service not in SERVICES:
        return page.render("error.html", status=404, message=f"There is no service {service}.")
    found = [d for d in deadletters.list_dead_letters(f"{service}.dlq", page.site.operations.amqp_uri)
             if letter_id in (d["id"], d["event_id"])]
    if not found:
        return page.render("error.html", status=404, message=f"There is no dead letter {letter_id} in "
                           f"{service}.dlq (replayed or discarded already?).")
    return page.render("console/dead_letter.html", service=service, letter=found[0])


def replay(page, service):
    """Replay one dead letter (`letter_id`) or all of a service's to the queues they failed in."""
    if service not in SERVICES:
        return page.render("error.html", status=404, message=f"There is no service {service}.")
    letter_id = page.form.get("letter_id", "").strip() or None
    try:
        replayed, kept = deadletters.replay(f"{service}.dlq", letter_id, page.site.operations.amqp_uri)
    except Exception as exc:    # noqa: BLE001
        return overview(page, errors={"form": f"Nothing replayed: the broker did not answer ({type(exc).__name__})."},
                        status=503)
    log.info("dead letters replayed", staff=page.staff.username, service=service, letter=letter_id or "all",
             replayed=replayed, kept=kept)
    return page.redirect(f"/console/operations?replayed={replayed}&kept={kept}&service={service}")


def discard(page, service):
    """Discard one dead letter; the reason is kept with it, with who and when."""
    if service not in SERVICES:
        return page.render("error.html", status=404, message=f"There is no service {service}.")
    letter_id, reason = page.form.get("letter_id", "").strip(), page.form.get("reason", "").strip()
    try:
        record = deadletters.discard(f"{service}.dlq", letter_id, reason, page.staff.username,
                                     page.site.operations.amqp_uri)
    except ValueError as exc:
        return overview(page, errors={"form": f"Not discarded: {exc}.", "letter": letter_id}, status=400)
    except deadletters.NoSuchDeadLetter as exc:
        return overview(page, errors={"form": f"Not discarded: {exc}"}, status=404)
    except Exception as exc:    # noqa: BLE001
        return overview(page, errors={"form": f"Not discarded: the broker did not answer ({type(exc).__name__})."},
                        status=503)
    log.info("dead letter discarded", staff=page.staff.username, service=service, letter=record["id"],
             reason=reason[:200])
    return page.redirect(f"/console/operations?discarded={record['id']}")
