"""Metrics unit tests share the services' fixtures: a migrated database per test, catalog-built events."""
from tests.unit.services.conftest import unit_of_work  # noqa: F401  (a fixture)
