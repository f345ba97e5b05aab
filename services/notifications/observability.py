"""The sending backlog of notifications for /metrics: the same figures /health gives (dispatch.backlog)."""
from datetime import datetime, timezone

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from services.notifications.dispatch import backlog
from services.notifications.models import Delivery


def sending_backlog(session):
    """Pending deliveries by channel (due or held), those due now, and how long the oldest due one has waited."""
    pending = GaugeMetricFamily("city311_notifications_pending_deliveries", "Messages not yet sent (due now, held "
                                "for quiet hours or a rate limit, or waiting to be retried), by channel",
                                labels=["channel"])
    for channel, count in session.execute(select(Delivery.channel, func.count()).where(Delivery.status == "pending")
                                          .group_by(Delivery.channel)).all():
        pending.add_metric([channel], count)
    yield pending
    due = backlog(session, datetime.now(timezone.utc))
    yield GaugeMetricFamily("city311_notifications_due_deliveries", "Messages due now and not yet sent",
                            value=due["deliveries_due"])
    yield GaugeMetricFamily("city311_notifications_oldest_due_delivery_age_seconds", "How long the oldest due "
                            "message has waited (0 when none is due)", value=due["oldest_due_seconds"])
