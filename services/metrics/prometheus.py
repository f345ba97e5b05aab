"""Prometheus exposition: business gauges computed from the facts at scrape time."""
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from services.metrics import measures


class FactsCollector:
    """Reads the facts on each scrape, so every replica reports the same truth."""

    def __init__(self, session):
        self._session = session

    def collect(self):
        counts = measures.summary(self._session)
        gauge = GaugeMetricFamily("city311_requests", "Service requests by lifecycle stage",
                                  labels=["stage"])
        for stage, value in counts.items():
            if stage != "information_contacts":
                gauge.add_metric([stage], value)
        yield gauge
        yield GaugeMetricFamily("city311_information_contacts", "Information contacts answered",
                                value=counts["information_contacts"])


def exposition(session):
    """The text exposition format for one scrape."""
    registry = CollectorRegistry()
    registry.register(FactsCollector(session))
    return generate_latest(registry)
