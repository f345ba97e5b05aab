"""Once a second: how many messages wait in each queue, and what each process uses (CPU, memory)."""
import time

import pika.exceptions
import psutil


class QueueDepths:
    """Ready-message counts by passive queue_declare (what a monitoring client without management sees)."""

    def __init__(self, connection, work_queues, other_queues):
        self.connection = connection
        self.work_queues, self.other_queues = list(work_queues), list(other_queues)
        self._channel = connection.channel()

    def sample(self):
        depths = {}
        for name in (*self.work_queues, *self.other_queues):
            depths[name] = self._depth(name)
        backlog = sum(depths[n] for n in self.work_queues if depths[n] is not None)
        return {"t": time.time(), "backlog": backlog, "queues": depths}

    def _depth(self, name):
        try:
            return self._channel.queue_declare(name, passive=True).method.message_count
        except pika.exceptions.ChannelClosedByBroker:   # not declared (yet): 404 closes the channel
            self._channel = self.connection.channel()
            return None


class ProcessUsage:
    """CPU (percent of one core) and resident memory per named process group, from CPU-time deltas."""

    def __init__(self, groups):
        self.groups = groups        # name -> callable returning the pids of that group now
        self._cpu_seen = {}         # pid -> (cpu seconds, at)

    def sample(self):
        now = time.time()
        usage = {}
        for name, pids in self.groups.items():
            cpu, rss = 0.0, 0
            for pid in pids():
                try:
                    process = psutil.Process(pid)
                    with process.oneshot():
                        times, memory = process.cpu_times(), process.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                total = times.user + times.system
                before, at = self._cpu_seen.get(pid, (total, now))
                self._cpu_seen[pid] = (total, now)
                cpu += 100.0 * (total - before) / (now - at) if now > at else 0.0
                rss += memory
            usage[name] = {"cpu": round(cpu, 1), "rss": rss}
        return {"t": now, "processes": usage}


def pids_named(*names):
    """A pid finder for processes by executable name (e.g. the broker's beam.smp, postgres)."""
    def find():
        return [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] in names]
    return find


def pids_matching(fragment):
    """A pid finder for processes whose command line contains `fragment` (a running `make run`)."""
    def find():
        found = []
        for p in psutil.process_iter(["cmdline"]):
            if fragment in " ".join(p.info["cmdline"] or ()):
                found.append(p.pid)
        return found
    return find
