"""What operations sees of workorders: each department system's breaker, and the links' states (read-only).

The breakers live in this process (one per system, see breaker.py), the links in the
database; both go to /metrics, and the breakers also to /health. An open breaker does
not make the service unready: the other departments' work orders still flow, and the
requests for the system that is down wait in the database and are resent when it
answers. Taking the whole service out of a load balancer for one department would stop
them all.
"""
from datetime import datetime, timezone

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import case, func, select

from services.workorders.models import WorkOrderLink
from shared.observability import seconds_since

BREAKER_STATES = ("closed", "open", "half_open")


def sources(systems):
    """The workorders-specific /metrics sources (see shared/observability.py)."""
    return (lambda session: breaker_families(systems), link_families)


def breaker_states(systems):
    """{system: breaker state}, for the health body."""
    return {name: system.breaker.state for name, system in sorted(systems.items())}


def health_fields(systems):
    """Extra fields of /health: every department system's breaker, and what an open one means."""
    states = breaker_states(systems)
    fields = {"department_systems": states}
    held_back = sorted(name for name, state in states.items() if state != "closed")
    if held_back:
        fields["note"] = (f"calls to {', '.join(held_back)} are held back by the circuit breaker; their work "
                          f"orders wait and are resent when the system answers; the service stays ready for "
                          f"the other departments")
    return fields


def breaker_families(systems):
    state = GaugeMetricFamily("city311_workorders_breaker_state", "Circuit breaker of each department system: "
                              "1 for its current state", labels=["system", "state"])
    for name, current in breaker_states(systems).items():
        for candidate in BREAKER_STATES:
            state.add_metric([name, candidate], 1 if candidate == current else 0)
    yield state


def link_families(session):
    """Links by system and state (pending split into leased: a process is talking to the system now)."""
    now = datetime.now(timezone.utc)
    link_state = case(((WorkOrderLink.state == "pending") & (WorkOrderLink.lease_until > now), "leased"),
                      else_=WorkOrderLink.state)
    counts = GaugeMetricFamily("city311_workorders_links", "Work-order links by department system and state",
                               labels=["system", "state"])
    rows = session.execute(select(WorkOrderLink.work_order_system, link_state, func.count())
                           .group_by(WorkOrderLink.work_order_system, link_state)).all()
    for system, state, count in rows:
        counts.add_metric([system, state], count)
    yield counts
    oldest = GaugeMetricFamily("city311_workorders_oldest_pending_link_age_seconds", "Age of the oldest link not "
                               "yet created in its system (pending or leased; 0 when none)", labels=["system"])
    rows = session.execute(select(WorkOrderLink.work_order_system, func.min(WorkOrderLink.created_at))
                           .where(WorkOrderLink.state == "pending")
                           .group_by(WorkOrderLink.work_order_system)).all()
    for system, created_at in rows:
        oldest.add_metric([system], seconds_since(created_at))
    yield oldest
