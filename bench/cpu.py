"""CPU time per process group over a window, from the kernel's cumulative counters (user + system).

A `CpuMeter` reads every group's processes at the window's start and at its end
(`snapshot`); `used` gives each group's CPU seconds between two snapshots. Nothing
is integrated from percentages: a process's CPU time is the difference of its own
two readings. A process that starts inside the window counts from zero (all of its
CPU time is inside the window); one that exits inside the window is lost (the
kernel keeps no record of it), and the result says how many were.

Groups are found by finders (callables returning pids): the processes the
benchmark started (with their children), the broker node serving the AMQP port,
the PostgreSQL backends serving the benchmark's own databases.
"""
import time
from urllib.parse import urlsplit

import psutil


def cpu_seconds(pid):
    """User + system CPU seconds of one process so far; None when it is gone (or may not be read)."""
    try:
        times = psutil.Process(pid).cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None
    return times.user + times.system


class CpuMeter:
    """{group name: pid finder}; snapshots of every group's processes, and the CPU used between two."""

    def __init__(self, groups):
        self.groups = dict(groups)

    def snapshot(self):
        """{"t": wall clock, "groups": {name: {pid: cpu seconds}}}."""
        taken = {}
        for name, find in self.groups.items():
            readings = {}
            for pid in find():
                seconds = cpu_seconds(pid)
                if seconds is not None:
                    readings[pid] = seconds
            taken[name] = readings
        # every pid on the machine now: a process absent from this set that shows up later started after it
        return {"t": time.time(), "groups": taken, "alive": set(psutil.pids())}

    @staticmethod
    def used(before, after):
        """{name: {"cpu_seconds", "processes", "exited"}} between two snapshots.

        A pid seen only at the end counts in full if it did not exist at the first snapshot (it
        started inside the window; the kernel's start times are too coarse to tell); one that
        existed but was not found then is left out, counted in "unmeasured". A pid seen only at the start exited: "exited".
        """
        result = {}
        for name in after["groups"].keys() | before["groups"].keys():
            start, end = before["groups"].get(name, {}), after["groups"].get(name, {})
            seconds, unmeasured = 0.0, 0
            for pid, cpu in end.items():
                if pid in start:
                    seconds += max(0.0, cpu - start[pid])   # a reused pid would read lower: not negative
                elif pid not in before["alive"]:
                    seconds += cpu
                else:
                    unmeasured += 1
            result[name] = {"cpu_seconds": round(seconds, 4), "processes": len(end),
                            "exited": sum(1 for pid in start if pid not in end), "unmeasured": unmeasured}
        return result


def per_request(used, requests):
    """CPU milliseconds per service request for each group (None when no request was accepted)."""
    return {name: (round(1000 * u["cpu_seconds"] / requests, 2) if requests else None) for name, u in used.items()}


# -- finders -------------------------------------------------------------------------------------
def with_children(*pids):
    """The given processes and all their descendants (a service's worker processes, if it has any)."""
    def find():
        found = []
        for pid in pids:
            try:
                process = psutil.Process(pid)
                found.append(pid)
                found.extend(child.pid for child in process.children(recursive=True))
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return found
    return find


def listening_on(port):
    """The pid of the process listening on a local TCP port, or None (another host, or not allowed to see it)."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, PermissionError):
        return None
    for connection in connections:
        if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port \
                and connection.pid:
            return connection.pid
    return None


def broker_node(amqp_uri):
    """A finder for the broker node serving the benchmark's AMQP port (its beam.smp), and what it found.

    Only that node is read: other brokers on the machine (a test's own node, a cluster) are left out.
    """
    first = amqp_uri.split(";")[0]
    parts = urlsplit(first)
    host, port = parts.hostname or "localhost", parts.port or 5672
    if host not in ("localhost", "127.0.0.1", "::1"):
        return (lambda: []), f"not on this machine ({host}:{port}): not measured"
    pid = listening_on(port)
    if pid is None:
        return (lambda: []), f"no process seen listening on port {port}: not measured"
    try:
        name = psutil.Process(pid).name()
    except psutil.Error:
        name = "?"
    return with_children(pid), f"{name} pid {pid}, serving port {port}"


def postgres_backends(database_names):
    """A finder for the PostgreSQL backends connected to the given databases (`postgres: user db host ...`)."""
    wanted = set(database_names)

    def find():
        found = []
        for process in psutil.process_iter(["name", "cmdline"]):
            words = " ".join(process.info["cmdline"] or ()).split()
            # a backend: "postgres: [<cluster name>:] <user> <database> <host(port)> <state>"
            if words[:1] == ["postgres:"] and wanted.intersection(words[1:5]):
                found.append(process.pid)
        return found
    return find
