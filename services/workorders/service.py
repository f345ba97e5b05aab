"""The workorders service: bridges routed requests into the departments' legacy work-order systems."""
import json
from datetime import datetime, timezone

import structlog
from nameko import config
from nameko.timer import timer
from nameko.web.handlers import http
from sqlalchemy.exc import IntegrityError

from services.workorders import links
from services.workorders.adapters import PermanentError, TransientError
from services.workorders.adapters.codeenforcement_events import WebhookRejected
from services.workorders.dependencies import LegacySystems
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

    @reliable_event_handler("routing", "RequestRouted")
    def create_work_order(self, event):
        with self.uow() as uow:
            pending = links.claim_link(uow, event, self._lease_seconds())
        if pending is None:
            return
        if pending.system not in self.systems:
            raise DeadLetterNow(f"no adapter configured for work-order system {pending.system!r}")
        if pending.previous:
            self._cancel_previous(pending)
        try:
            legacy = self._find_or_create(pending)
        except (PermanentError, TransientError) as exc:
            self._failed(pending, exc)
            return
        with self.uow() as uow:
            links.confirm_created(uow, pending.request.service_request_id, legacy)

    @staticmethod
    def _lease_seconds():
        """Longer than any legacy look-up plus create can take (their own timeouts bound them)."""
        return float(config.get("LEASE_SECONDS", 180))

    def _find_or_create(self, pending):
        """Exactly one work order: always look our tracking id up before creating."""
        system = self.systems[pending.system]
        return (system.call("find_by_reference", pending.request.service_request_id)
                or system.call("create", pending.request))

    def _cancel_previous(self, pending):
        """A re-route leaves the old department's work order behind: cancel it where the system can."""
        old_system, legacy_id = pending.previous
        system = self.systems.get(old_system)
        try:
            cancelled = system is not None and system.call("cancel", legacy_id, "re-routed to another department")
        except (PermanentError, TransientError) as exc:
            cancelled = False
            log.warning("could not cancel the re-routed work order", system=old_system, error=str(exc))
        log.info("re-routed", from_system=old_system, legacy_id=legacy_id, cancelled=bool(cancelled))

    def _failed(self, pending, exc):
        permanent = isinstance(exc, PermanentError)
        with self.uow() as uow:
            reason = str(exc)  # adapter errors name their system
            final = links.record_failure(uow, pending.request.service_request_id, reason,
                                         int(config.get("WORK_ORDER_ATTEMPTS", 4)), permanent)
        if not final:
            raise exc  # back to the delay queue; the attempt was counted

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
            try:
                legacy = self._find_or_create(pending)
            except TransientError:
                with self.uow() as uow:
                    links.release(uow, pending.request.service_request_id)
                continue
            except PermanentError as exc:
                with self.uow() as uow:
                    links.mark_rejected(uow, pending.request.service_request_id, str(exc))
                continue
            with self.uow() as uow:
                links.confirm_created(uow, pending.request.service_request_id, legacy)

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
            changes = parse(request.headers, request.get_data(), datetime.now(timezone.utc))
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

    @http("GET", "/health")
    def health(self, request):
        return 200, {"Content-Type": "application/json"}, '{"status": "ok"}'


def _json(status, body):
    return status, {"Content-Type": "application/json"}, json.dumps(body)
