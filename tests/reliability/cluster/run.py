"""The cluster run's steps: a fault under steady load, the chaos invariants after it, throughput around it.

Each step reuses the chaos run (tests/reliability/chaos/run.py): the same ledger, load driver and
bounded wait for the invariants; what it adds is the end-to-end throughput, sampled while the load
runs: service requests of this run with a work order in a department system, counted every
SAMPLE_SECONDS, so work orders per second before the fault, while it lasts and after it.
"""
import threading
import time
from dataclasses import dataclass, field

from bench.ledger import ACCEPTED
from bench.mix import SERVICE_REQUEST
from shared.config import SERVICES
from shared.supervision import rpc
from tests.reliability.chaos.run import ChaosRun

SAMPLE_SECONDS = 2.0


@dataclass
class Step:
    """One row of the cluster table."""
    step: str
    accepted: int = 0
    not_accepted: int = 0
    lost: int = 0
    duplicated: int = 0
    rate_before: float | None = None     # work orders per second (end to end), in each window
    rate_during: float | None = None
    rate_after: float | None = None
    converge_seconds: float | None = None    # after the load stopped, until every invariant held
    restarted: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    violations: list = field(default_factory=list)

    @property
    def converged(self):
        return self.converge_seconds is not None


@dataclass
class Drive:
    """Item 2: one short drive at a given number of instances per service."""
    instances: int
    offered: float
    seconds: float
    accepted: int = 0
    service_requests: int = 0
    completed: int = 0
    completion_seconds: float | None = None   # from the first contact to the last work order
    notes: list = field(default_factory=list)

    @property
    def end_to_end(self):
        return round(self.completed / self.completion_seconds, 2) if self.completion_seconds else None


class _Fault:
    """What ChaosRun._converge reads of a fault."""

    def __init__(self, name):
        self.name = self.kind = name


class Sampler:
    """Counts, every SAMPLE_SECONDS, the run's accepted service requests that have a work order."""

    def __init__(self, run):
        self.run, self.samples = run, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="cluster-sampler")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(60)

    def _loop(self):
        while not self._stop.is_set():
            try:
                self.samples.append((time.monotonic(), self.run.work_orders_done()))
            except Exception:  # a department system or the checker's reads failing mid-fault: no sample
                pass
            self._stop.wait(SAMPLE_SECONDS)

    def rate(self, start, end):
        """Work orders per second between two moments (the samples nearest inside them)."""
        inside = [(t, n) for t, n in self.samples if start <= t <= end]
        if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
            return None
        return round((inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0]), 2)


class ClusterRun(ChaosRun):
    """A ChaosRun on the cluster system, its load spread over every intake instance."""

    def __init__(self, system, profile, rate, converge_seconds, warm_seconds, cluster, postgres, say=print):
        super().__init__(system, profile, rate, converge_seconds, warm_seconds, node=cluster, postgres=postgres,
                         say=say)
        self.cluster = cluster
        self.driver.intake_urls = [system.url(name, "") for name in system.instances_of("intake")]

    # -- throughput ---------------------------------------------------------------------------------
    def work_orders_done(self):
        ours = {e.tracking_id for e in self.ledger.entries if e.outcome == ACCEPTED and e.kind == SERVICE_REQUEST}
        return sum(1 for rid in self.checker._live_work_orders() if rid in ours)

    # -- the steps ------------------------------------------------------------------------------------
    def step(self, name, act, seconds, after_seconds):
        """Load for warm + `seconds` + `after_seconds`; `act()` at the end of the warm-up; then the invariants."""
        self._rows += 1
        self._phase, self._notes = f"{self._rows}. {name}", []
        self.say(f"-- {name}: {seconds:g} s, then {after_seconds:g} s, under {self.rate:g} contacts/s")
        pids = self.system.pids()
        total = self.warm_seconds + seconds + after_seconds
        load = threading.Thread(target=self.driver.run, args=(self._phase, self.rate, total), daemon=True)
        failed = None
        with Sampler(self) as sampler:
            started = time.monotonic()
            load.start()
            time.sleep(self.warm_seconds)
            injected = time.monotonic()
            try:
                note = act()
                if note:
                    self.note(note)
            except Exception as exc:   # the row says so
                failed = f"the step could not be carried out: {type(exc).__name__}: {str(exc)[:300]}"
            time.sleep(max(0.0, injected + seconds - time.monotonic()))
            healed = time.monotonic()
            load.join()
            self.driver.finish(40)
            ended = time.monotonic()
            row = self._converge(_Fault(name), seconds, ended)
            sampler._stop.wait(SAMPLE_SECONDS)   # one sample after the invariants held
        step = Step(name, row.requests, row.not_accepted, row.lost, row.duplicated,
                    sampler.rate(started, injected), sampler.rate(injected, healed), sampler.rate(healed, ended),
                    row.converge_seconds, sorted(n for n, pid in self.system.pids().items() if pids.get(n) != pid),
                    self._notes + row.notes, row.violations)
        if failed:
            step.converge_seconds, step.violations = None, [failed, *step.violations]
        self.say(f"   {step.accepted} accepted, {step.lost} lost, {step.duplicated} duplicated, work orders/s "
                 f"{step.rate_before} / {step.rate_during} / {step.rate_after}, "
                 + (f"converged {step.converge_seconds:g} s after the load" if step.converged else "DID NOT CONVERGE"))
        for line in step.violations:
            self.say(f"     {line[:300]}")
        return step

    def choose_leading_node(self):
        """The node leading the most quorum queues now (read before the step: its window stays the fault's)."""
        leaders, members = self.cluster.queue_leaders()
        name, led = leaders.most_common(1)[0]
        self.stopped = self.cluster.node_named(name)
        spread = min(len(m or ()) for m in members.values())
        self._chosen = f"stopped {name}, leader of {led} of {sum(leaders.values())} quorum queues " \
                       f"(each queue's members: {spread} nodes or more)"
        return self.stopped

    def stop_leading_node(self):
        if getattr(self, "stopped", None) is None:
            self.choose_leading_node()
        self.cluster.stop_node(self.stopped)
        return self._chosen

    def start_stopped_node(self):
        self.cluster.start_node(self.stopped)
        return f"{self.stopped.name} back in the cluster"

    def kill_one_instance_of_each(self):
        self.system.wait_running(120)
        killed = [f"{s}-2" for s in SERVICES if f"{s}-2" in self.system.services] or list(SERVICES)
        for name in killed:
            self.system.supervisor.kill(name)
        return f"kill -9 {', '.join(killed)}"

    # -- item 2 ------------------------------------------------------------------------------------------
    def drive(self, instances, rate, seconds, settle_seconds=180.0):
        """A short drive at `rate` with `instances` of each service running (the others stopped meanwhile)."""
        extra = [name for name in self.system.services if name not in SERVICES and int(name.rsplit("-", 1)[1]) > instances]
        control = rpc(self.system.supervisor.supervisord.run_dir).supervisor
        for name in extra:
            control.stopProcess(name)
        phase = f"drive with {instances} instance(s)"
        result = Drive(instances, rate, seconds)
        self.say(f"-- {phase}: {rate:g} contacts/s for {seconds:g} s")
        urls = self.driver.intake_urls
        self.driver.intake_urls = [self.system.url(n, "") for n in self.system.instances_of("intake") if n not in extra]
        try:
            started = time.monotonic()
            self.driver.run(phase, rate, seconds)
            self.driver.finish(40)
            entries = self.ledger.of_phase(phase)
            ours = {e.tracking_id for e in entries if e.outcome == ACCEPTED and e.kind == SERVICE_REQUEST}
            result.accepted = sum(1 for e in entries if e.outcome == ACCEPTED)
            result.service_requests = len(ours)
            deadline, last, last_change = started + seconds + settle_seconds, None, time.monotonic()
            while time.monotonic() < deadline:
                live = self.checker._live_work_orders()
                done = sum(1 for rid in live if rid in ours)
                if done != last:
                    last, last_change = done, time.monotonic()
                if done >= len(ours) or time.monotonic() - last_change > 30:
                    break
                time.sleep(1.0)
            result.completed = last or 0
            result.completion_seconds = round(last_change - started, 1)
            if result.completed < len(ours):
                result.notes.append(f"{len(ours) - result.completed} service requests without a work order "
                                    f"(triage, duplicates, or not yet) when the drive was measured")
        finally:
            self.driver.intake_urls = urls
            for name in extra:
                control.startProcess(name)
            self.system.wait_running(180)
            for name in extra:
                self.system._wait_healthy(self.system.services[name])
        self.say(f"   {result.accepted} accepted, {result.completed} work orders in {result.completion_seconds} s: "
                 f"{result.end_to_end} work orders/s end to end")
        return result
