"""Clients for the departments' own work-order systems, behind one interface (base.py).

    client = build_client("streets", {"timeout_seconds": 5})
    client.find_by_reference(tracking_id) or client.create(request)
    changes, cursor = client.fetch_changes(cursor)

Plain Python (requests and the filesystem); no nameko, no messaging.
"""
from .base import (LegacyWorkOrder, PermanentError, StatusChange, TransientError, WorkOrderRequest,
                   WorkOrderSystemClient, WorkOrderSystemError)
from .factory import build_client

__all__ = ["LegacyWorkOrder", "PermanentError", "StatusChange", "TransientError", "WorkOrderRequest",
           "WorkOrderSystemClient", "WorkOrderSystemError", "build_client"]
