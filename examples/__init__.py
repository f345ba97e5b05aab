"""Example outside clients of the city311 bus, built on pika only (docs/bus.md)."""
