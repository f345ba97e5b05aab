"""The workorders service: bridges routed requests into the departments' legacy work-order systems."""
import structlog
from nameko import config
from nameko.timer import timer
from nameko.web.handlers import http

from services.workorders import links
from services.workorders.adapters import PermanentError, TransientError
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
            pending = links.claim_link(uow, event)
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
            final = links.record_failure(uow, pending.request.service_request_id, f"{pending.system}: {exc}",
                                         int(config.get("WORK_ORDER_ATTEMPTS", 4)), permanent)
        if not final:
            raise exc  # back to the delay queue; the attempt was counted

    @timer(interval=float(config.get("RESEND_SECONDS", 30)))
    def resend_failed(self):
        """Requests that failed while a system was down are sent again once it answers."""
        with self.uow() as uow:
            waiting = links.resendable(uow)
        for pending in waiting:
            system = self.systems.get(pending.system)
            if system is None or system.breaker.state == "open":
                continue
            try:
                legacy = self._find_or_create(pending)
            except TransientError:
                continue
            except PermanentError as exc:
                with self.uow() as uow:
                    links.mark_rejected(uow, pending.request.service_request_id, f"{pending.system}: {exc}")
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

    @http("GET", "/health")
    def health(self, request):
        return 200, {"Content-Type": "application/json"}, '{"status": "ok"}'
