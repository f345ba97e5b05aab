"""Fixtures of the Open311 protocol-layer tests: a small catalog, our jurisdiction, API keys."""
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from open311_samples import JURISDICTION_ID
from services.intake.open311.catalog import load_catalog_file


@pytest.fixture(scope="session")
def catalog():
    return load_catalog_file(Path(__file__).with_name("catalog.yaml"))


@pytest.fixture
def pothole_form():
    """A valid POST form for POTHOLE; tests add, replace or drop fields."""
    return MultiDict(
        [
            ("api_key", "dev-web-key"),
            ("jurisdiction_id", JURISDICTION_ID),
            ("service_code", "POTHOLE"),
            ("lat", "33.7490"),
            ("long", "-84.3880"),
            ("attribute[SIZE]", "large"),
            ("description", "Deep hole in the right lane"),
        ]
    )
