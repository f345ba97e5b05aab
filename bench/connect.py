"""The benchmark's own broker connections: patient, because the broker shares a busy machine with the system."""
import pika


def blocking_connection(amqp_uri):
    """A pika connection that retries and waits longer than pika's defaults before giving up."""
    parameters = pika.URLParameters(amqp_uri)
    parameters.connection_attempts, parameters.retry_delay = 5, 2
    parameters.socket_timeout, parameters.stack_timeout = 30, 60
    parameters.blocked_connection_timeout = 300
    return pika.BlockingConnection(parameters)
