"""The schedule: fixed rates, each followed by a drain, then a ramp up to the first rate that does not hold.

While it runs, the schedule samples two backlogs twice a second: messages ready in
the work queues (from the observer) and contacts accepted but not yet counted by
metrics (the end-to-end backlog, outboxes and prefetched messages included). The
ramp judges each step from them with the same rules as the final report. A drain
also waits for notifications' sending backlog (deliveries due, from its /health), so
the next phase's first notifications do not queue behind the last phase's.
"""
import time

from tqdm import tqdm

from bench.ledger import ACCEPTED
from bench.stats import growth, verdict


class Schedule:
    """Runs phases on a driver, with a progress bar; remembers windows, drains, verdicts and samples."""

    def __init__(self, driver, observer, ledger, settings, rules, deliveries_due=lambda: 0, cpu_meter=None):
        self.driver, self.observer, self.ledger = driver, observer, ledger
        self.deliveries_due = deliveries_due
        self.settings, self.rules = settings, rules
        self.windows, self.drains, self.verdicts, self.progress = [], {}, {}, []
        self.cpu_meter, self.cpu_marks = cpu_meter, []   # CPU snapshots at each phase's start and drain's end

    def mark_cpu(self, label):
        if self.cpu_meter is not None:
            self.cpu_marks.append({"label": label, "snapshot": self.cpu_meter.snapshot()})

    def fixed(self, rates, seconds):
        for rate in rates:
            window = self.phase(f"fixed-{rate:g}", rate, seconds)
            self.verdicts[window.phase] = self.live_verdict(window)
            self.drain(window.phase)

    def ramp(self, start_rate, factor, step_seconds, max_steps):
        """Raise the rate step by step, back to back; the highest step that held (None if none did)."""
        held, rate = None, start_rate
        for step in range(1, max_steps + 1):
            window = self.phase(f"ramp-{step}", round(rate, 1), step_seconds)
            ok, because = self.verdicts[window.phase] = self.live_verdict(window)
            tqdm.write(f"  ramp step {step} at {window.rate:g}/s: "
                       + ("held" if ok else "did not hold: " + "; ".join(because)))
            if not ok:
                break
            held, rate = window.rate, rate * factor
        self.drain("ramp")
        return held

    def phase(self, name, rate, seconds):
        with tqdm(total=round(rate * seconds), desc=f"{name:>10} {rate:g}/s", unit="req", dynamic_ncols=True,
                  mininterval=0.5) as bar:
            def tick():
                sample = self.sample()
                entries = self.ledger.of_phase(name)
                bar.n = len(entries)
                bar.set_postfix(in_flight=sum(1 for e in entries if e.outcome is None), queued=sample["backlog"],
                                not_counted=sample["pending"], work_orders=self.observer.work_orders)
            self.mark_cpu(f"start {name}")
            window = self.driver.run(name, rate, seconds, on_tick=tick)
            tick()
        self.windows.append(window)
        return window

    def sample(self):
        self.observer.check()
        accepted = sum(1 for e in self.ledger.entries if e.outcome == ACCEPTED)
        sample = {"t": time.time(), "backlog": self.observer.backlog,
                  "pending": max(0, accepted - self.observer.counted)}
        self.progress.append(sample)
        return sample

    def live_verdict(self, window):
        time.sleep(1.5)   # the answers of the last second, and one more queue sample
        entries = self.ledger.of_phase(window.phase)
        accepted = [e for e in entries if e.outcome == ACCEPTED]
        in_time = sum(1 for e in accepted if e.answered_at <= window.ended_at)
        return verdict(window.rate, len(entries), len(accepted), in_time, growth(window, self.progress), self.rules)

    def drain(self, after):
        """Wait (bounded) until every POST is answered, nothing is queued and every accepted contact is
        counted: a clean start for the next phase (its POSTs would otherwise wait behind the last one's)."""
        started, calm = time.monotonic(), 0
        while time.monotonic() - started < self.settings["drain_seconds"] and calm < 2:
            time.sleep(1)
            sample = self.sample()
            answered = not self.ledger.in_flight()
            sample["deliveries_due"] = due = self.deliveries_due()
            calm = calm + 1 if answered and sample["backlog"] <= 5 and sample["pending"] <= 5 and due <= 5 else 0
        self.mark_cpu(f"drained after {after}")
        self.drains[after] = {"seconds": round(time.monotonic() - started, 1), "complete": calm >= 2,
                              **self.progress[-1]}
        if calm < 2:
            tqdm.write(f"  after {after}: not drained within {self.settings['drain_seconds']} s "
                       f"(queued {self.progress[-1]['backlog']}, not counted {self.progress[-1]['pending']}, "
                       f"notifications due {self.progress[-1].get('deliveries_due', 0)}); "
                       "the next phase starts with that backlog")

    def settle(self):
        """At the end: wait (bounded) until no milestone has been seen for the first time for 5 s."""
        started, last, quiet_since = time.monotonic(), -1, time.monotonic()
        while time.monotonic() - started < self.settings["settle_seconds"]:
            time.sleep(1)
            self.sample()
            if self.observer.firsts != last or self.observer.backlog > 5 or self.deliveries_due() > 5:
                last, quiet_since = self.observer.firsts, time.monotonic()
            elif time.monotonic() - quiet_since >= 5:
                break
        return round(time.monotonic() - started, 1)
