"""Waiting for a system to settle after a create that got no answer, before anyone creates again.

Streets and Watershed accept a repeated reference. A create they commit after our
client gave up is not there yet when looked up at once, and the retry (look up,
then create) would make a second work order. So after a create without an answer
the adapter looks our reference up again, with back-off, for a bounded settle
time: found, that is the work order; still missing, the create most likely never
took, and the usual retry goes on.
"""
import time
from dataclasses import dataclass
from typing import Callable

from .base import LegacyWorkOrder, NoAnswer, TransientError

DEFAULT_SETTLE_SECONDS = 30.0


@dataclass(frozen=True)
class Settling:
    """How long, and how often, to look a reference up after a create without an answer."""

    seconds: float = DEFAULT_SETTLE_SECONDS
    first_wait: float = 0.25
    longest_wait: float = 4.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def from_config(cls, config: dict) -> "Settling":
        """From a system's ``settle_seconds`` (optional)."""
        return cls(seconds=float(config.get("settle_seconds", DEFAULT_SETTLE_SECONDS)))

    def create(self, create: Callable[[], LegacyWorkOrder],
               find: Callable[[], LegacyWorkOrder | None]) -> LegacyWorkOrder:
        """``create()``; when it gets no answer, the work order ``find()`` turns up within the settle time.

        Raises the create's NoAnswer when nothing turned up by then.
        """
        try:
            return create()
        except NoAnswer as no_answer:
            return self._found_later(find, no_answer)

    def _found_later(self, find, no_answer: NoAnswer) -> LegacyWorkOrder:
        deadline, wait = self.clock() + self.seconds, self.first_wait
        while True:
            try:
                found = find()
            except TransientError:  # the look-up failed too: keep waiting, the create may still land
                found = None
            if found is not None:
                return found
            if self.clock() + wait > deadline:
                raise no_answer
            self.sleep(wait)
            wait = min(wait * 2, self.longest_wait)
