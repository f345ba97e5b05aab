"""make cluster: three RabbitMQ nodes as one cluster, two instances of every service, faults under load."""
