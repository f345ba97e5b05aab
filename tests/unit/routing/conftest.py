"""Fixtures for the routing domain tests: the sample jurisdiction and broken copies of it."""
import datetime as dt
import shutil
from pathlib import Path

import pytest

from services.routing.domain import RoutingRequest, load_jurisdiction

SAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "jurisdictions" / "sample"
UTC = dt.timezone.utc


@pytest.fixture(scope="session")
def sample_folder():
    return SAMPLE


@pytest.fixture(scope="session")
def sample():
    """The sample jurisdiction, loaded once."""
    return load_jurisdiction(SAMPLE)


@pytest.fixture
def broken_copy(tmp_path):
    """Copy the sample folder and replace `old` with `new` in one file; returns the folder."""
    def make(filename: str, old: str, new: str) -> Path:
        folder = tmp_path / "city"
        if not folder.exists():
            shutil.copytree(SAMPLE, folder)
        text = (folder / filename).read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur exactly once in {filename}"
        (folder / filename).write_text(text.replace(old, new), encoding="utf-8")
        return folder
    return make


@pytest.fixture
def make_request():
    """Build a RoutingRequest with sensible defaults (downtown, a Tuesday morning)."""
    return _request


def _request(service_code, attributes=None, lat=33.7500, long=-84.3900, address=None,
            requested_at=dt.datetime(2026, 3, 10, 15, 0, tzinfo=UTC), request_id="r-new"):
    return RoutingRequest(request_id, service_code, requested_at, attributes or {},
                          lat, long, address)
