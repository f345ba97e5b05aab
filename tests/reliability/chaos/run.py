"""The run loop: steady load, one fault, heal, wait (bounded) for the invariants to hold, record the row."""
import random
import threading
import time
from dataclasses import dataclass, field

from bench import console
from bench.driver import LoadDriver
from bench.ledger import ACCEPTED, Ledger
from bench.mix import SERVICE_REQUEST, RequestMix
from tests.reliability.chaos.faults import consumer_queues
from tests.reliability.chaos.invariants import Checker
from tests.support.processes import ROOT

POST_TIMEOUT = 30.0
CHECK_INTERVAL = 3.0


@dataclass
class Row:
    """One line of the table."""
    fault: str
    kind: str
    fault_seconds: float
    requests: int = 0                  # contacts accepted during the row (service requests + information)
    not_accepted: int = 0              # refused, timed out or failed POSTs (the resident was told)
    lost: int = 0                      # accepted requests not in the right department (nor in triage with a
                                       # reason), or whose reporter heard nothing
    duplicated: int = 0
    converge_seconds: float | None = None   # from the heal until every invariant held; None: it never did
    restarted: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    violations: list = field(default_factory=list)   # what still did not hold at the deadline

    @property
    def converged(self):
        return self.converge_seconds is not None


class ChaosRun:
    """Drives one started system through faults, one row each."""

    def __init__(self, system, profile, rate, converge_seconds, warm_seconds=10.0, seed=311,
                 node=None, postgres=None, proxy=None, say=print):
        self.system, self.node, self.postgres, self.proxy = system, node, postgres, proxy
        self.rate, self.converge_seconds, self.warm_seconds = rate, converge_seconds, warm_seconds
        self.random = random.Random(seed)
        self.say = say
        self.poison = {}            # marker: (dead-letter queue, what): every poison message injected so far
        self.ledger = Ledger()
        self.mix = RequestMix(profile, ROOT, seed=seed, tag=time.strftime("chaos%Y%m%d%H%M%S"))
        intake = system.url("intake", "")
        takers = [console.sign_in(intake, c["username"], c["password"]) for c in profile["call_takers"]]
        self.driver = LoadDriver(self.ledger, self.mix, [intake], takers, POST_TIMEOUT, 64, seed=seed)
        self.checker = Checker(system, self.poison)
        consumer_queues()   # read the services' handlers now, from the code the system started with
        self._notes = []
        self._repeats_seen = set()
        self._phase, self._rows = "warm-up", 0
        self._last_error = None
        self._left_over = set()     # what was still wrong when the previous row gave up: not this row's doing

    def note(self, text):
        self._notes.append(text)

    def submit_request(self, department):
        """File one service request of `department` now (in the ledger, like the load's); its tracking id."""
        while True:
            planned = self.mix.next(time.time())
            if planned.kind == SERVICE_REQUEST and planned.department == department and not planned.planned_duplicate:
                break
        entry = self.ledger.open(self._phase, planned, time.time())
        self.driver.send_now(entry)
        if entry.outcome != ACCEPTED:
            raise RuntimeError(f"intake did not accept the request of {department}: {entry.reason}")
        return entry.tracking_id

    def row(self, fault, seconds=None):
        """Inject `fault` under load, heal it, wait for the invariants; the row."""
        seconds = fault.seconds if seconds is None else seconds
        self._rows += 1
        self._phase, self._notes = f"{self._rows}. {fault.name}", []   # a repeated fault is a row of its own
        self.say(f"-- {fault.name}: {seconds:g} s under {self.rate:g} contacts/s")
        pids = self.system.pids()
        load = threading.Thread(target=self.driver.run, args=(self._phase, self.rate, self.warm_seconds + seconds),
                                daemon=True)
        load.start()
        time.sleep(self.warm_seconds)
        failed = None
        try:
            fault.act(self, seconds)
        except Exception as exc:   # the row says so, and the run goes on to the next fault
            failed = f"the fault could not be injected or healed: {type(exc).__name__}: {str(exc)[:300]}"
        # (Ctrl-C / SIGTERM go straight up: the load thread is a daemon, the session stops everything)
        healed = time.monotonic()
        load.join()
        self.driver.finish(POST_TIMEOUT + 10)
        row = self._converge(fault, seconds, healed)
        if failed:
            row.converge_seconds, row.violations = None, [failed, *row.violations]
        row.restarted = sorted(n for n, pid in self.system.pids().items() if pids.get(n) != pid)
        row.notes = self._notes + row.notes
        self.say(f"   {_brief(row)}")
        for line in row.violations:
            self.say(f"     {line[:300]}")
        return row

    def _converge(self, fault, seconds, healed):
        entries = self.ledger.of_phase(self._phase)
        mine = {e.tracking_id for e in entries if e.outcome == ACCEPTED}
        row = Row(fault.name, fault.kind, seconds, requests=len(mine), not_accepted=len(entries) - len(mine))
        deadline = healed + self.converge_seconds
        while True:
            findings = self._check()
            if findings is not None and findings.keys() <= self._left_over:
                row.converge_seconds = round(time.monotonic() - healed, 1)
                if findings.keys():
                    row.notes.append(f"{len(findings.keys())} things still wrong from earlier rows")
                self._left_over = findings.keys()
                return row
            if time.monotonic() > deadline:
                break
            time.sleep(CHECK_INTERVAL)
        if findings is None:
            row.violations = [self._last_error or "the checks could not run"]
            return row
        new = sorted(findings.keys() - self._left_over)
        self._left_over = findings.keys()
        # a work order in the wrong department is lost to the right one
        row.lost = len((_ids(findings.lost) | _ids(findings.misplaced) | _ids(findings.unnotified)) & mine)
        row.duplicated = len(_ids(findings.duplicated) & mine) + self._new_repeats(findings)
        row.violations = findings.summary(only={key.split(":", 1)[0] for key in new})
        return row

    def _check(self):
        try:
            return self.checker.check(self.ledger.entries)
        except Exception as exc:   # an interface down right after a fault: try again until the deadline
            self._last_error = f"check failed: {type(exc).__name__}: {str(exc)[:200]}"
            return None

    def _new_repeats(self, findings):
        new = set(findings.notifications_repeated) - self._repeats_seen
        self._repeats_seen |= new
        return len(new)

    def close(self):
        self.driver.close()


def _ids(lines):
    """The tracking ids the findings' lines start with."""
    return {line.split(":", 1)[0] for line in lines}


def _brief(row):
    converged = f"converged in {row.converge_seconds:g} s" if row.converged else "DID NOT CONVERGE"
    return (f"{row.requests} accepted, {row.lost} lost, {row.duplicated} duplicated, {converged}, "
            f"restarted: {', '.join(row.restarted) or 'none'}")
