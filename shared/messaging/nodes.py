"""AMQP_URI names one broker node, or the nodes of a RabbitMQ cluster to fail over between.

    AMQP_URI=amqp://user:password@rabbit1:5672/city311
    AMQP_URI="amqp://user:password@rabbit1:5672/city311;amqp://user:password@rabbit2:5672/city311;..."

The `;`-separated form is kombu's own (nameko hands AMQP_URI to kombu unchanged): a
connection tries the nodes in turn (round robin) and, when the node it uses goes away,
reconnects to the next; nameko's consumers, its publishers (their retry policy), the
outbox relay (shared/messaging/confirms.py) and every other connection of the project
take it as it is. Each node carries its own credentials (kombu does not carry them from
the first node to the others); all must name the same virtual host, as the nodes of one
cluster serve the same vhosts.

What is written in logs or health answers goes through `described` (no password).
"""
from urllib.parse import unquote, urlparse

SEPARATOR = ";"
SCHEMES = ("amqp", "amqps", "pyamqp")
DEFAULT_HEARTBEAT_SECONDS = 60   # nameko's own default (its HEARTBEAT setting), for its consumers


class BrokerNodesError(ValueError):
    """AMQP_URI is not one broker URI nor a `;`-separated list of them; the message says what is wrong."""


def broker_nodes(uri):
    """The node URIs of AMQP_URI, in order (one for a single node). Raises BrokerNodesError, saying why."""
    if isinstance(uri, (list, tuple)):
        items = [str(item).strip() for item in uri]
    elif isinstance(uri, str):
        items = [item.strip() for item in uri.split(SEPARATOR)]
    else:
        raise BrokerNodesError(f"AMQP_URI must be a text (one amqp:// URI, or several separated by ';'), "
                               f"not {type(uri).__name__}")
    if not any(items):
        raise BrokerNodesError("AMQP_URI is empty: give one amqp:// URI, or several separated by ';'")
    nodes = []
    for position, item in enumerate(items, 1):
        if not item:
            raise BrokerNodesError(f"AMQP_URI's node {position} of {len(items)} is empty "
                                   f"(two ';' in a row, or one at an end)")
        parsed = urlparse(item)
        if parsed.scheme not in SCHEMES:
            raise BrokerNodesError(f"AMQP_URI's node {position} ({_masked(item)}) is not an amqp:// or "
                                   f"amqps:// URI (separate nodes with ';', not ',')")
        if "," in parsed.netloc.rsplit("@", 1)[-1] or not parsed.hostname or "://" in item.split("://", 1)[1]:
            raise BrokerNodesError(f"AMQP_URI's node {position} ({_masked(item)}) names no single host "
                                   f"(separate nodes with ';', not ',')")
        try:
            parsed.port
        except ValueError:
            raise BrokerNodesError(f"AMQP_URI's node {position} ({_masked(item)}) has a port that is not a "
                                   f"number") from None
        nodes.append(item)
    vhosts = {vhost_of(node) for node in nodes}
    if len(vhosts) > 1:
        raise BrokerNodesError(f"AMQP_URI's nodes name different virtual hosts ({', '.join(sorted(vhosts))}): "
                               "the nodes of one cluster serve the same vhosts")
    return nodes


def first_node(uri):
    """The first node's URI: the one tools that address a single node (management API, rabbitmqctl) read."""
    return broker_nodes(uri)[0]


def vhost_of(node):
    """The virtual host a node URI names ('/' when none)."""
    return unquote(urlparse(node).path[1:]) or "/"


def host_port(node):
    parsed = urlparse(node)
    return parsed.hostname, parsed.port or (5671 if parsed.scheme == "amqps" else 5672)


def addresses(uri):
    """'host:port' of every node, `;`-separated: for logs and health answers (never a credential)."""
    return SEPARATOR.join(f"{host}:{port}" for host, port in map(host_port, broker_nodes(uri)))


def described(uri):
    """AMQP_URI with every node's password masked (nameko's sanitize_url masks the first node's only)."""
    try:
        return SEPARATOR.join(_masked(node) for node in broker_nodes(uri))
    except BrokerNodesError:
        return "(an AMQP_URI that is not a list of amqp:// URIs)"


def _masked(node):
    parsed = urlparse(node)
    if parsed.password is None:
        return node
    user_host = f"{parsed.username}:********@{parsed.netloc.rsplit('@', 1)[1]}"
    return parsed._replace(netloc=user_host).geturl()
