"""Sample values shared by the Open311 protocol-layer tests (imported by tests and conftest)."""
from datetime import datetime, timezone

JURISDICTION_ID = "sample.city311.org"
API_KEYS = [
    {"key": "dev-web-key", "application": "city311-web"},
    {"key": "mobile-key", "application": "city311-mobile"},
]
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)
