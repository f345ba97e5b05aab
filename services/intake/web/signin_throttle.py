"""Sign-in throttle: per account and per client address, a temporary lock that grows with each failure.

A few failures are free (a mistyped password); past them every failure locks the account (or the
address) for twice as long as the last, up to `max_lock`. While locked, sign-in is refused without
looking at the password, so guessing costs the guesser time, not the server argon2 work. Failures are
forgotten `forget_after` the last one; a good sign-in clears its account's count (not its address's:
one known password must not buy an address more guesses at other accounts). The counts live in
intake's database, so every intake process sees the same ones.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete

from services.intake.web.models import SignInFailures


@dataclass(frozen=True)
class ThrottlePolicy:
    account_free_failures: int = 5
    address_free_failures: int = 20
    first_lock: timedelta = timedelta(seconds=30)
    max_lock: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=1)


def _now():
    return datetime.now(timezone.utc)


def _aware(value):
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def keys(username, address):
    """The two counters one attempt touches: the account typed and the client's address."""
    return {"account": f"account:{(username or '').strip().lower()[:60]}", "address": f"address:{address or '?'}"}


def locked_for(session, username, address, now=None):
    """Seconds until this account and address may try again (0: they may now)."""
    now = now or _now()
    waits = [0.0]
    for key in keys(username, address).values():
        row = session.get(SignInFailures, key)
        if row is not None and row.locked_until is not None and _aware(row.locked_until) > now:
            waits.append((_aware(row.locked_until) - now).total_seconds())
    return max(waits)


def record_failure(session, username, address, policy, now=None):
    """Count a failed sign-in against the account and the address, locking either past its free failures."""
    now = now or _now()
    for kind, key in keys(username, address).items():
        row = session.get(SignInFailures, key, with_for_update=True)
        if row is None:
            row = SignInFailures(key=key, failures=0, last_failure_at=now, locked_until=None)
            session.add(row)
        elif now - _aware(row.last_failure_at) > policy.forget_after:
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_failure_at = now
        free = policy.account_free_failures if kind == "account" else policy.address_free_failures
        if row.failures >= free:
            lock = policy.first_lock * 2 ** min(row.failures - free, 20)
            row.locked_until = now + min(lock, policy.max_lock)


def succeeded(session, username):
    """A good sign-in: the account's failures are forgiven."""
    session.execute(delete(SignInFailures).where(SignInFailures.key == keys(username, None)["account"]))


def unlock(session, username):
    """Lift an account's lock (an administrator, after checking with its owner); True if it had failures."""
    return bool(session.execute(delete(SignInFailures)
                                .where(SignInFailures.key == keys(username, None)["account"])).rowcount)
