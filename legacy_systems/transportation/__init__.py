"""Transportation: simulated work-order system exchanging OAGIS-style XML documents over its own RabbitMQ queues (admin on port 9005)."""
