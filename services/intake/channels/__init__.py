"""Intake channels: phone systems, SMS gateways, email parsers and mobile back ends file over the bus (docs/bus.md)."""
