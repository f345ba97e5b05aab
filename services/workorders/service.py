"""The workorders service: bridges routed requests into the departments' legacy work-order systems."""
import json
from datetime import datetime, timezone

import structlog
from nameko import config
from nameko.timer import timer
from nameko.web.handlers import http
from sqlalchemy.exc import IntegrityError

from services.workorders import links
from services.workorders import observability as workorders_observability
from services.workorders.adapters import PermanentError, TransientError
from services.workorders.adapters.codeenforcement_events import WebhookRejected
from services.workorders.dependencies import LegacySystems
from shared import observability
from shared.internal_api import MAX_WEBHOOK_BYTES, BodyTooLarge, limited_body
from shared.messaging.entrypoints import PermanentError as DeadLetterNow
from shared.messaging.entrypoints import reliable_event_handler
from shared.persistence.provider import UnitOfWorkProvider
from shared.structured_logging import LogContext, configure

configure("workorders")
log = structlog.get_logger("city311.workorders")


class WorkOrdersService:
    name = "workorders"

    uow = UnitOfWorkProvider()
    systems = LegacySystems()
    log_context = LogContext()
    http_metrics = observability.HttpMetrics()

    @reliable_event_handler("routing", "RequestRouted")
    def create_work_order(self, event):
        with self.uow() as uow:
            pending = links.claim_link(uow, event, self._lease_seconds())
        if pending is None:
            return
        if pending.system not in self.systems:
            raise DeadLetterNow(f"no adapter configured for work-order system {pending.system!r}")
        if pending.previous:
            self._cancel_left_behind(pending.previous)
        try:
            legacy = self._find_or_create(pending)
        except (PermanentError, TransientError) as exc:
            self._failed(pending, exc)
            return
        self._confirm(pending, legacy)

    def _confirm(self, pending, legacy):
        """Record the work order, and apply a re-route that came while we held the lease."""
        with self.uow() as uow:
            links.confirm_created(uow, pending.request.service_request_id, legacy, pending.system)
            links.hand_over(uow, pending.request.service_request_id)

    @staticmethod
    def _lease_seconds():
        """Longer than any legacy look-up plus create, and the settling after a create without an answer, can
        take (their own timeouts and settle times bound them)."""
        return float(config.get("LEASE_SECONDS", 180))

    def _find_or_create(self, pending):
        """Exactly one work order: always look our tracking id up before creating."""
        system = self.systems[pending.system]
        return (system.call("find_by_reference", pending.request.service_request_id)
                or system.call("create", pending.request))

    def _cancel_left_behind(self, cancel):
        """A re-route leaves the old department's work order behind: ask its system to cancel it, and record
        the answer; no answer (down, timeout) leaves the cancel due for the cancel timer."""
        system = self.systems.get(cancel.system)
        try:
            if system is None:
                raise PermanentError(cancel.system, "no adapter configured to cancel its work orders")
            legacy_id = cancel.legacy_id
            if links.by_reference(cancel):   # the create's answer never came: find what it made, if anything
                found = system.call("find_by_reference", cancel.service_request_id)
                with self.uow() as uow:
                    legacy_id = links.resolve_by_reference(uow, cancel, found, self._lease_seconds())
                if legacy_id is None:
                    return
            cancelled = system.call("cancel", legacy_id, "re-routed to another department")
        except TransientError as exc:
            log.warning("could not cancel the re-routed work order yet", system=cancel.system, error=str(exc))
            with self.uow() as uow:
                links.cancel_failed(uow, cancel, str(exc))
            return
        except PermanentError as exc:
            cancelled, reason = False, str(exc)
        else:
            reason = f"{cancel.system}: cannot cancel work orders through its interface"
        self._record_cancel(cancel, cancelled, reason)

    def _record_cancel(self, cancel, cancelled, reason):
        with self.uow() as uow:
            if cancelled:
                links.cancel_confirmed(uow, cancel)
            else:
                links.cancel_refused(uow, cancel, reason)
        if cancelled:
            log.info("re-routed work order cancelled", system=cancel.system, legacy_id=cancel.legacy_id)
        else:
            log.warning("the old department refused to cancel the re-routed work order", system=cancel.system,
                        legacy_id=cancel.legacy_id, reason=reason)

    def _failed(self, pending, exc):
        permanent = isinstance(exc, PermanentError)
        with self.uow() as uow:
            reason = str(exc)  # adapter errors name their system
            final = links.record_failure(uow, pending.request.service_request_id, reason,
                                         int(config.get("WORK_ORDER_ATTEMPTS", 4)), permanent)
        if not final:
            raise exc  # back to the delay queue; the attempt was counted

    @reliable_event_handler("routing", "RequestReopened")
    def reopen_work_order(self, event):
        """A closed request reopened: its system reopens the work order where its interface can, else a new work
        order in the same system follows the first (said in the status note); WorkOrderUpdated "reopened" once."""
        with self.uow() as uow:
            reopen = links.claim_reopen(uow, event, self._lease_seconds())
        if reopen is None:
            return
        system = self.systems.get(reopen.system)
        if system is None:
            raise DeadLetterNow(f"no adapter configured for work-order system {reopen.system!r}")
        try:
            legacy_id = self._reopen_or_follow(system, reopen)
        except (TransientError, PermanentError):
            with self.uow() as uow:
                links.release(uow, reopen.service_request_id)
            raise   # redelivered after the retry delays; dead-lettered with the reason when they run out
        with self.uow() as uow:
            links.confirm_reopened(uow, reopen, legacy_id)

    @staticmethod
    def _reopen_or_follow(system, reopen):
        """None when the system reopened the work order; else the id of the new work order that follows it."""
        if getattr(system.client, "can_reopen", False):
            try:
                system.call("reopen", reopen.legacy_id, reopen.reason, reopen.reopen_id)
                return None
            except PermanentError as refused:   # e.g. the work order was cancelled there: a new one follows
                log.warning("the department system would not reopen the work order; a new one follows it",
                            system=reopen.system, legacy_id=reopen.legacy_id, reason=str(refused))
        return system.call("create", links.followed_by(reopen)).legacy_id

    @reliable_event_handler("routing", "RequestDuplicateDetected")
    def tell_department_of_duplicate(self, event):
        """A system that follows duplicates (direct events) hears that another report joined the work order."""
        data = event["data"]
        with self.uow() as uow:
            parent = links.merge_target(uow, data["parent_request_id"])
        system = parent and self.systems.get(parent.work_order_system)
        if system is None or not hasattr(system.client, "merge_duplicate"):
            return  # legacy adapters keep duplicates on our side only
        if parent.legacy_id is None:
            raise TransientError(parent.work_order_system, "the parent's work order is not created yet")
        system.call("merge_duplicate", parent.legacy_id, data["service_request_id"])

    @timer(interval=float(config.get("RESEND_SECONDS", 30)))
    def resend_failed(self):
        """Requests that failed while a system was down are sent again once it answers."""
        with self.uow() as uow:
            waiting = links.resendable(uow)
        for pending in waiting:
            system = self.systems.get(pending.system)
            if system is None or system.breaker.state == "open":
                continue
            with self.uow() as uow:  # another process may be on it (its own timer, or the event's redelivery)
                if not links.take_lease(uow, pending.request.service_request_id, self._lease_seconds()):
                    continue
                if links.hand_over(uow, pending.request.service_request_id):
                    continue  # a re-route waited for a holder that died: the next round creates it there
            try:
                legacy = self._find_or_create(pending)
            except TransientError as exc:
                log.info("resend: the system did not answer yet; tried again later", system=pending.system,
                         service_request_id=pending.request.service_request_id, error=str(exc)[:300])
                with self.uow() as uow:
                    links.release(uow, pending.request.service_request_id)
                continue
            except PermanentError as exc:
                log.warning("resend refused by the department system: the request goes to triage",
                            system=pending.system, service_request_id=pending.request.service_request_id,
                            error=str(exc)[:300])
                with self.uow() as uow:
                    links.mark_rejected(uow, pending.request.service_request_id, str(exc))
                continue
            self._confirm(pending, legacy)

    @timer(interval=float(config.get("RESEND_SECONDS", 30)))
    def retry_cancels(self):
        """Cancels of re-routed work orders that got no answer, or whose process died before asking."""
        with self.uow() as uow:
            due = links.cancels_due(uow)
        for cancel in due:
            system = self.systems.get(cancel.system)
            if system is not None and system.breaker.state == "open":
                continue
            with self.uow() as uow:
                if not links.take_cancel(uow, cancel, self._lease_seconds()):
                    continue
            self._cancel_left_behind(cancel)

    @timer(interval=float(config.get("SYNC_SECONDS", 5)))
    def sync_status(self):
        for name, system in self.systems.items():
            try:
                with self.uow() as uow:
                    cursor = links.read_cursor(uow, name)
                changes, new_cursor = system.call("fetch_changes", cursor)
                with self.uow() as uow:
                    links.apply_changes(uow, name, changes, new_cursor)
            except TransientError as exc:
                log.warning("status sync failed, will try again", system=name, error=str(exc))

    @http("POST", "/webhooks/<string:system_name>")
    def legacy_webhook(self, request, system_name):
        """Status changes a legacy system pushes (Code Enforcement); its adapter verifies the signature."""
        system = self.systems.get(system_name)
        parse = getattr(system.client, "parse_webhook", None) if system else None
        if parse is None:
            return _json(404, {"error": f"work-order system {system_name!r} sends no webhooks here"})
        try:
            body = limited_body(request, MAX_WEBHOOK_BYTES)
        except BodyTooLarge as refused:
            log.warning("webhook refused", system=system_name, status=refused.status, reason=str(refused))
            return _json(refused.status, {"error": str(refused)})
        try:
            changes = parse(request.headers, body, datetime.now(timezone.utc))
        except WebhookRejected as rejection:
            log.warning("webhook refused", system=system_name, status=rejection.http_status, reason=rejection.reason)
            return _json(rejection.http_status, {"error": rejection.reason})
        try:
            with self.uow() as uow:
                for change in links.in_apply_order(changes):
                    links.apply_change(uow, system_name, change)
        except IntegrityError:  # the status poll applied the same change at the same moment
            log.info("webhook change applied concurrently", system=system_name)
        return 204, {}, ""

    @http("GET", "/metrics")
    def metrics(self, request):
        """Prometheus metrics: process, events, HTTP, outbox and inbox (see shared/observability.py)."""
        return observability.response(self.name, self.uow, *workorders_observability.sources(self.systems))

    @http("GET", "/health")
    def health(self, request):
        """200 "ok", or 503 with what the service waits for (its broker, its database); with each department
        system's breaker either way (an open one leaves the service ready: see observability.py)."""
        status, body = self.uow.readiness.health(**workorders_observability.health_fields(self.systems))
        return _json(status, body)


def _json(status, body):
    return status, {"Content-Type": "application/json"}, json.dumps(body)
