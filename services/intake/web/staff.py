"""Staff accounts and their sign-in sessions (server-side, expiring, revocable)."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml
from sqlalchemy import delete, select

from services.intake.web.models import StaffAccount, StaffSession
from services.intake.web.passwords import hash_password, verify_password
from shared.roles import ROLES


@dataclass(frozen=True)
class SessionPolicy:
    """How long a sign-in lasts: idle minutes without a request, and at most `absolute_hours` in all.

    A request extends the idle time only when the last extension is `touch_seconds` old, so a
    call-taker logging a contact every few seconds costs no session write each time (the idle
    limit is kept to within that minute).
    """
    idle_minutes: int = 60
    absolute_hours: int = 10
    touch_seconds: int = 60


def _now():
    return datetime.now(timezone.utc)


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def add_account(session, username, display_name, password, role="call_taker"):
    """Create a staff account; ValueError for a taken username, bad role or short password."""
    username = username.strip().lower()
    if not username or not all(c.isalnum() or c in "._-" for c in username) or len(username) > 60:
        raise ValueError("a username is 1-60 letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if session.get(StaffAccount, username) is not None:
        raise ValueError(f"there is already an account {username!r}")
    account = StaffAccount(username=username, display_name=display_name.strip() or username,
                           password_hash=hash_password(password), role=role, active=True, created_at=_now())
    session.add(account)
    return account


def seed_accounts(session, path):
    """Add the accounts of a staff.yaml (username, display_name, role, password_hash) not stored yet."""
    entries = (yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}).get("staff") or []
    added = 0
    for entry in entries:
        if session.get(StaffAccount, entry["username"]) is None:
            session.add(StaffAccount(username=entry["username"], display_name=entry["display_name"],
                                     password_hash=entry["password_hash"], role=entry.get("role", "call_taker"),
                                     active=True, created_at=_now()))
            added += 1
    return added


def sign_in(session, username, password, policy):
    """(account, cookie token) for good credentials, else None; only the token's hash is stored."""
    account = session.get(StaffAccount, (username or "").strip().lower())
    good = verify_password(account.password_hash if account else None, password or "")
    if not (good and account.active):
        return None
    token, now = secrets.token_urlsafe(32), _now()
    session.add(StaffSession(token_hash=_digest(token), username=account.username, created_at=now,
                             expires_at=min(now + timedelta(minutes=policy.idle_minutes),
                                            now + timedelta(hours=policy.absolute_hours)),
                             last_seen_at=now))
    return account, token


def signed_in(session, token, policy):
    """(account, session row) for a live session cookie, extending its idle time; else None."""
    if not token:
        return None
    row = session.get(StaffSession, _digest(token))
    now = _now()
    if row is None or _aware(row.expires_at) <= now:
        if row is not None:
            session.delete(row)
        return None
    account = session.get(StaffAccount, row.username)
    if account is None or not account.active:
        return None
    if now - _aware(row.last_seen_at) < timedelta(seconds=policy.touch_seconds):
        return account, row
    row.last_seen_at = now
    row.expires_at = min(now + timedelta(minutes=policy.idle_minutes),
                         _aware(row.created_at) + timedelta(hours=policy.absolute_hours))
    return account, row


def sign_out(session, token):
    """End the session of this cookie (and sweep expired ones)."""
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))
    session.execute(delete(StaffSession).where(StaffSession.expires_at < _now()))


def accounts(session):
    return session.execute(select(StaffAccount).order_by(StaffAccount.username)).scalars().all()


def change_account(session, username, role, active):
    """Give an account another role, or disable / enable it (signing it out everywhere when disabled)."""
    account = session.get(StaffAccount, username)
    if account is None:
        raise ValueError(f"there is no account {username!r}")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    account.role, account.active = role, bool(active)
    if not account.active:
        session.execute(delete(StaffSession).where(StaffSession.username == username))
    return account
