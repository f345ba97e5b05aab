"""Reliable messaging on RabbitMQ: outbox relay, quorum queues with bounded retries and dead letters."""
