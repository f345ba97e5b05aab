"""How the examples connect: the AMQP URI as given, patient with a busy broker."""
import pika

DEFAULT_URI = "amqp://guest:guest@localhost:5672/"


def connection_parameters(amqp_uri):
    """The URI's parameters, with a 60 s connection handshake unless the URI says (?stack_timeout=)."""
    parameters = pika.URLParameters(amqp_uri)
    if "stack_timeout" not in amqp_uri:
        parameters.stack_timeout = 60
    return parameters
