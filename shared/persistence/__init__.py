"""Database plumbing: engines, the outbox and inbox tables, the unit of work and migrations."""
