"""Three RabbitMQ nodes of the run's own on this machine, joined as one cluster; never the machine's broker.

Each node is the chaos run's BrokerNode (its own name city311-<port>@localhost, its own ports,
its files under the run's folder); nodes 2 and 3 join node 1 with rabbitmqctl join_cluster,
every rabbitmqctl addressed to one of these nodes by name (-n). The services' AMQP_URI lists all
three (shared/messaging/nodes.py): a connection fails over to the next node that answers.
"""
import os
import subprocess
import threading
from collections import Counter
from urllib.parse import quote

import requests

from shared.messaging import broker
from tests.reliability.chaos.infrastructure import START_SECONDS, BrokerNode
from tests.support.waiting import wait_until

SIZE = 3
# the nodes' schedulers sleep instead of spinning when idle: three Erlang VMs on 2 shared cores
QUIET_SCHEDULERS = "+sbwt none +sbwtdcpu none +sbwtdio none"


class ClusterNode(BrokerNode):
    """A BrokerNode that can be stopped outright (its VM gone, its port closed) and started again."""

    @property
    def name(self):
        return f"city311-{self.port}@localhost"

    def start(self):
        os.environ.setdefault("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", QUIET_SCHEDULERS)   # this run's process only
        return super().start()

    def ctl(self):
        """rabbitmqctl for this node, by name: works while it is stopped too (unlike the chaos node's note)."""
        return [broker._script("rabbitmqctl") or "rabbitmqctl", "-n", self.name]

    def run(self, *args, timeout=120):
        done = subprocess.run([*self.ctl(), *args], capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl -n {self.name} {' '.join(args)} failed: "
                               f"{(done.stderr or done.stdout)[-500:]}")
        return done.stdout

    def serving(self):
        return broker.answers(self.uri, timeout=2)

    def management(self, path):
        """GET /api/<path> of this node's management plugin (its port noted at its start)."""
        port = broker._local_note(self.base)["tooling_ports"]["management"]
        response = requests.get(f"http://127.0.0.1:{port}/api/{path}", auth=("guest", "guest"), timeout=30)
        response.raise_for_status()
        return response.json()


class BrokerCluster:
    """Three ClusterNodes as one cluster; `uri` lists them all, node 1 first."""

    def __init__(self, base, size=SIZE):
        self.nodes = [ClusterNode(f"{base}/node{n}") for n in range(1, size + 1)]

    @property
    def uri(self):
        return ";".join(node.uri for node in self.nodes)

    def ctl(self):
        """rabbitmqctl of a node that serves now (the transportation simulator's vhost, queue listings)."""
        return next((n for n in self.nodes if n.serving()), self.nodes[0]).ctl()

    def node_named(self, name):
        return next(n for n in self.nodes if n.name == name)

    def start(self):
        errors = []

        def start(node):
            try:
                node.start()
            except Exception as exc:  # reported below, after every thread ended
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(node,)) for node in self.nodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(START_SECONDS + 60)
        if errors:
            raise errors[0]
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.run("stop_app")
            node.run("reset")
            node.run("join_cluster", first.name)
            node.run("start_app")
        wait_until(lambda: self.running() == {n.name for n in self.nodes}, 120, 1, "all three nodes in the cluster")
        return self

    def running(self):
        """Names of the cluster's running nodes, as a serving node's management API sees them."""
        for node in self.nodes:
            if node.serving():
                return {n["name"] for n in node.management("nodes") if n.get("running")}
        return set()

    def queue_leaders(self, vhost="/"):
        """({node name: quorum queues it leads}, {queue: members}) from a serving node's management API
        (rabbitmqctl starts a VM per call: a minute and more on 2 busy cores)."""
        node = next(n for n in self.nodes if n.serving())
        quorum = [q for q in node.management(f"queues/{quote(vhost, safe='')}") if q.get("type") == "quorum"]
        return Counter(q["leader"] for q in quorum), {q["name"]: q.get("members") for q in quorum}

    def stop_node(self, node):
        """The node's VM stopped (rabbitmqctl stop): its connections drop, its port refuses."""
        node.run("stop", timeout=120)
        wait_until(lambda: not node.serving(), 60, 1, f"{node.name} stopped")

    def start_node(self, node):
        """The node started again from its files: it rejoins the cluster by itself."""
        if not broker.start_local_node(node.port, base=node.base, wait_seconds=START_SECONDS):
            raise RuntimeError(f"{node.name} did not start again:\n{broker._log_tail(node.base)}")
        wait_until(lambda: node.name in self.running(), 120, 1, f"{node.name} back in the cluster")

    def stop(self):
        for node in self.nodes:
            try:
                node.run("stop", timeout=120)
            except Exception:  # not running (stopped by a fault, or never started): nothing to stop
                pass
