"""The open-loop load driver: contacts at a given rate through the public interfaces, each in the ledger.

Arrivals are a Poisson process at the offered rate and do not wait for answers
(open loop), so a slow system shows as growing latency, not as a lower offered
rate. Each contact's time is measured from when the schedule wanted it sent:
when every connection is busy, waiting for one counts too.
"""
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from bench import console
from bench.ledger import ACCEPTED, FAILED, REJECTED, TIMED_OUT
from bench.mix import SERVICE_REQUEST

OPEN311_POST = "/open311/v2/requests.json"


@dataclass(frozen=True)
class Window:
    """One phase as offered: its name, rate and wall-clock span."""
    phase: str
    rate: float
    started_at: float
    ended_at: float

    @property
    def seconds(self):
        return self.ended_at - self.started_at


class LoadDriver:
    """Sends what the mix plans to intake's Open311 API and its call-taker console."""

    def __init__(self, ledger, mix, intake_urls, call_takers, post_timeout=30.0, max_in_flight=256, seed=1):
        self.ledger, self.mix = ledger, mix
        self.intake_urls, self.call_takers = list(intake_urls), list(call_takers)
        self.post_timeout = post_timeout
        self.random = random.Random(seed)
        self._pool = ThreadPoolExecutor(max_in_flight, thread_name_prefix="bench-post")
        self._local = threading.local()

    def run(self, phase, rate, seconds, on_tick=None):
        """Offer `rate` contacts per second for `seconds`; returns when the last one is handed over."""
        started = time.time()
        due, ends, last_tick = started, started + seconds, 0.0
        while due < ends:
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            entry = self.ledger.open(phase, self.mix.next(due), due)
            self._pool.submit(self._send, entry)
            due += self.random.expovariate(rate)
            if on_tick and time.monotonic() - last_tick > 0.5:
                last_tick = time.monotonic()
                on_tick()
        return Window(phase, rate, started, ends)

    def send_now(self, entry):
        """Send one contact the caller opened in the ledger, in the caller's thread (one of its own among the load)."""
        self._send(entry)

    def finish(self, timeout):
        """Wait (bounded) until every submission has its answer; the ones still open."""
        deadline = time.monotonic() + timeout
        while self.ledger.in_flight() and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.ledger.in_flight()

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=False)

    # -- one contact ---------------------------------------------------------------------------
    def _send(self, entry):
        http = self._session()
        base = self.intake_urls[entry.seq % len(self.intake_urls)]
        entry.sent_at = time.time()
        try:
            if entry.kind == SERVICE_REQUEST:
                status, tracking_id, reason = self._file(http, base, entry.planned.form)
            else:
                call_taker = self.call_takers[int(entry.planned.reporter) % len(self.call_takers)]
                status, tracking_id, reason = console.log_answer(http, base, call_taker, entry.planned.form,
                                                                 self.post_timeout)
        except requests.Timeout:
            self.ledger.close(entry, TIMED_OUT, time.time(), reason=f"no answer within {self.post_timeout:g} s")
        except requests.RequestException as exc:
            self.ledger.close(entry, FAILED, time.time(), reason=f"{type(exc).__name__}: {str(exc)[:200]}")
        except Exception as exc:  # a bug here must still close the entry, and say what happened
            self.ledger.close(entry, FAILED, time.time(), reason=f"driver error {type(exc).__name__}: {exc}")
        else:
            outcome = ACCEPTED if tracking_id else REJECTED
            self.ledger.close(entry, outcome, time.time(), tracking_id, status, reason)

    def _file(self, http, base, form):
        response = http.post(base + OPEN311_POST, data=form, timeout=self.post_timeout)
        if response.status_code == 200:
            return 200, response.json()[0]["service_request_id"], None
        return response.status_code, None, _open311_error(response)

    def _session(self):
        if not hasattr(self._local, "http"):
            self._local.http = requests.Session()
        return self._local.http


def _open311_error(response):
    try:
        errors = response.json()
        return f"HTTP {response.status_code}: " + "; ".join(str(e.get("description")) for e in errors)
    except (ValueError, AttributeError, TypeError):
        return f"HTTP {response.status_code}: {response.text[:200]}"
