"""Event envelope and the versioned marshmallow contracts of every event on the bus."""
from shared.events.envelope import InvalidEvent, new_event, parse_event
from shared.events.catalog import CATALOG, EventContract, contract_for

__all__ = ["InvalidEvent", "new_event", "parse_event", "CATALOG", "EventContract", "contract_for"]
