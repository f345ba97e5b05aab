"""Personal data retention: residents' contact details, survey comments and delivery addresses are kept
for PERSONAL_DATA_RETENTION_DAYS after their request closed, then erased by the service holding them.

Erasing blanks the personal fields and keeps the rest of the record (dates, stages, outcomes), so history,
metrics and the public record stay whole. Each service runs `erase_expired` from a nameko timer every
RETENTION_CHECK_SECONDS, a batch per transaction, and logs what it erased (counts only).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import structlog

DEFAULT_DAYS = 365
DEFAULT_CHECK_SECONDS = 3600
BATCH_SIZE = 500
MAX_BATCHES = 200           # per run; what is left waits for the next run
ERASED = "erased:"          # an erased address reads erased:<row id> (unique keys stay unique)
log = structlog.get_logger("city311.retention")


@dataclass(frozen=True)
class RetentionPolicy:
    days: int
    check_seconds: float

    def cutoff(self, now):
        """Requests closed before this moment have their personal data erased."""
        return now - timedelta(days=self.days)


def retention_policy(config):
    """The policy from a nameko config mapping; a bad value stops start-up naming the setting."""
    return RetentionPolicy(_number(config, "PERSONAL_DATA_RETENTION_DAYS", DEFAULT_DAYS, int),
                           _number(config, "RETENTION_CHECK_SECONDS", DEFAULT_CHECK_SECONDS, float))


def _number(config, name, default, kind):
    raw = config.get(name)
    try:
        value = kind(raw if raw not in (None, "") else default)
    except (TypeError, ValueError):
        value = None
    if value is None or value < 1:
        raise ValueError(f"{name} must be a number of at least 1, not {raw!r}")
    return value


def erase_expired(uow_factory, erase_batch, policy, service, now=None):
    """Run `erase_batch(session, cutoff, limit, now) -> {what: count}` until nothing is left; the totals."""
    now = now or datetime.now(timezone.utc)
    cutoff, totals = policy.cutoff(now), {}
    for _ in range(MAX_BATCHES):
        with uow_factory() as uow:
            counts = erase_batch(uow.session, cutoff, BATCH_SIZE, now)
        for what, count in counts.items():
            totals[what] = totals.get(what, 0) + count
        if max(counts.values(), default=0) < BATCH_SIZE:
            break
    if any(totals.values()):
        log.info("personal data erased after retention", service=service, retention_days=policy.days,
                 closed_before=cutoff.isoformat(), **totals)
    return totals
