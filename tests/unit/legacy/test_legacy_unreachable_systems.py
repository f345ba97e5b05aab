"""A system that is not there at all (nothing listening, folder not mounted) is a TransientError."""
from dataclasses import replace

import pytest

from services.workorders.adapters import TransientError, WorkOrderRequest, build_client

REQUEST = WorkOrderRequest(service_request_id="SR-1", service_code="POTHOLE", description="hole", address=None,
                           lat=None, long=None, priority="normal")
SERVICE_CODES = {"streets": "POTHOLE", "watershed": "WATER_LEAK", "solidwaste": "MISSED_PICKUP"}


@pytest.fixture(params=sorted(SERVICE_CODES))
def absent_client(request, tmp_path):
    # port 1 on localhost: connection refused at once; a data dir that does not exist
    settings = {"data_dir": str(tmp_path / "not-mounted")} if request.param == "solidwaste" else \
        {"url": "http://127.0.0.1:1", "timeout_seconds": 2}
    return build_client(request.param, settings)


def test_every_call_is_transient(absent_client):
    request = replace(REQUEST, service_code=SERVICE_CODES[absent_client.name])
    calls = [lambda: absent_client.find_by_reference("SR-1"), lambda: absent_client.create(request),
             lambda: absent_client.fetch_changes(None)]
    for call in calls:
        with pytest.raises(TransientError):
            call()
