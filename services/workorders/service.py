"""The workorders service: bridges routed requests into the departments' legacy work-order systems."""
from nameko import config
from nameko.timer import timer
from nameko.web.handlers import http

import structlog

from services.workorders import links
from services.workorders.adapters.base import PermanentError, TransientError
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
            claimed = links.claim_link(uow, event)
        if claimed is None:
            return
        system, request = claimed
        client = self.systems.get(system)
        if client is None:
            raise DeadLetterNow(f"no adapter configured for work-order system {system!r}")
        try:
            legacy = client.find_by_reference(request.service_request_id) or client.create(request)
        except (PermanentError, TransientError) as exc:
            self._failed(request.service_request_id, system, exc)
            return
        with self.uow() as uow:
            links.confirm_created(uow, event, legacy)

    def _failed(self, service_request_id, system, exc):
        permanent = isinstance(exc, PermanentError)
        reason = f"{system}: {exc}"
        with self.uow() as uow:
            final = links.record_failure(uow, service_request_id, reason,
                                         int(config.get("WORK_ORDER_ATTEMPTS", 4)), permanent)
        if not final:
            raise exc  # back to the delay queue; the attempt was counted

    @timer(interval=float(config.get("SYNC_SECONDS", 5)))
    def sync_status(self):
        for system, client in self.systems.items():
            try:
                self._sync(system, client)
            except TransientError as exc:
                log.warning("status sync failed, will try again", system=system, error=str(exc))

    def _sync(self, system, client):
        with self.uow() as uow:
            cursor = links.read_cursor(uow, system)
        changes, new_cursor = client.fetch_changes(cursor)
        with self.uow() as uow:
            links.apply_changes(uow, system, changes, new_cursor)

    @http("GET", "/health")
    def health(self, request):
        return 200, {"Content-Type": "application/json"}, '{"status": "ok"}'
