"""Prometheus exposition: business gauges from the facts at scrape time, and the service's own health.

Business numbers are read from the database on each scrape, so every replica
reports the same truth; the health counters are this process's own.
"""
from datetime import datetime, timedelta, timezone

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

from services.metrics import measures, queries
from services.metrics.measures.lifecycle import grouped
from services.metrics.models import RequestFact
from shared.persistence.tables import outbox

WINDOW_DAYS = 30
HEALTH = CollectorRegistry()
EVENTS_PROCESSED = Counter("city311_metrics_events_processed", "Events handled, by type and outcome "
                           "(applied, or duplicate: a redelivery already counted)",
                           ["event_type", "outcome"], registry=HEALTH)
HANDLER_FAILURES = Counter("city311_metrics_handler_failures", "Event handlers that raised (the event is retried)",
                           ["event_type"], registry=HEALTH)
LAST_EVENT_PROCESSED = Gauge("city311_metrics_last_event_processed_timestamp_seconds",
                             "When this process last handled an event (Unix time)", registry=HEALTH)
LAST_EVENT_OCCURRED = Gauge("city311_metrics_last_event_occurred_timestamp_seconds",
                            "When the last handled event happened at its producer (Unix time)", registry=HEALTH)


class FactsCollector:
    """Business measures of the facts, collected on each scrape."""

    def __init__(self, session, now):
        self._session, self._now = session, now

    def collect(self):
        yield from self._stages()
        recent = queries.created_in(self._session, queries.Filters(self._now - timedelta(days=WINDOW_DAYS), self._now))
        current = queries.open_now(self._session, queries.Filters(self._now, self._now))
        yield from self._created_by_channel()
        yield from self._backlog(current)
        yield from self._service_levels(recent)
        yield GaugeMetricFamily("city311_metrics_stream_unpublished_messages",
                                "Stream messages committed but not yet confirmed by the broker",
                                value=self._session.execute(select(func.count()).select_from(outbox)
                                                            .where(outbox.c.published_at.is_(None))).scalar_one())
        yield from HEALTH.collect()

    def _stages(self):
        counts = queries.summary(self._session)
        gauge = GaugeMetricFamily("city311_requests", "Service requests by lifecycle stage", labels=["stage"])
        for stage, value in counts.items():
            if stage != "information_contacts":
                gauge.add_metric([stage], value)
        yield gauge
        yield GaugeMetricFamily("city311_information_contacts", "Information contacts answered",
                                value=counts["information_contacts"])

    def _created_by_channel(self):
        counter = CounterMetricFamily("city311_requests_created", "Service requests created, by channel and "
                                      "department", labels=["channel", "department"])
        rows = self._session.execute(select(RequestFact.channel, RequestFact.department, func.count())
                                     .where(RequestFact.created_at.is_not(None))
                                     .group_by(RequestFact.channel, RequestFact.department)).all()
        for channel, department, count in rows:
            counter.add_metric([channel or "unknown", department or "unknown"], count)
        yield counter

    def _backlog(self, current):
        by_department = measures.backlog(current, self._now)["by_department"]
        families = {
            "open": GaugeMetricFamily("city311_open_requests", "Requests open now", labels=["department"]),
            "overdue": GaugeMetricFamily("city311_overdue_requests", "Open requests past their due time",
                                         labels=["department"]),
            "age": GaugeMetricFamily("city311_open_request_age_seconds", "Age of open requests",
                                     labels=["department", "quantile"]),
        }
        for department, numbers in by_department.items():
            families["open"].add_metric([department], numbers["open"])
            families["overdue"].add_metric([department], numbers["overdue"])
            for quantile, key in (("0.5", "median_hours"), ("0.9", "p90_hours")):
                families["age"].add_metric([department, quantile], numbers["age"][key] * 3600)
        yield from families.values()

    def _service_levels(self, recent):
        ratio = GaugeMetricFamily("city311_service_level_compliance_ratio", f"Share of requests created in the "
                                  f"last {WINDOW_DAYS} days closed by their due time (of those decided)",
                                  labels=["department"])
        close = GaugeMetricFamily("city311_time_to_close_seconds", f"Time to close of requests created in the "
                                  f"last {WINDOW_DAYS} days", labels=["department", "quantile"])
        for department, group in grouped(recent, "department").items():
            level = measures.compliance(group, self._now)
            if level["compliance"] is not None:
                ratio.add_metric([department], level["compliance"])
            to_close = measures.timings(group)["to_close"]
            for quantile, key in (("0.5", "median_hours"), ("0.9", "p90_hours")):
                if to_close[key] is not None:
                    close.add_metric([department, quantile], to_close[key] * 3600)
        yield ratio
        yield close


def facts_source(session):
    """The facts' measures as a source of the service's /metrics (see shared/observability.py)."""
    return FactsCollector(session, datetime.now(timezone.utc)).collect()


def exposition(session, now):
    """The text exposition format for one scrape."""
    registry = CollectorRegistry()
    registry.register(FactsCollector(session, now))
    return generate_latest(registry)
