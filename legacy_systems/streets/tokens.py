"""Login tokens that expire, as Cityworks issues them."""
import secrets
import threading
import time

FORGET_AFTER_SECONDS = 3600


class TokenIssuer:
    """Checks credentials, issues tokens and tells whether a token is still good."""

    def __init__(self, accounts: dict[str, str], ttl_seconds: float):
        self._accounts = accounts
        self._ttl = ttl_seconds
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def login(self, login_name, password) -> str | None:
        """A new token for valid credentials, else None."""
        if not isinstance(login_name, str) or self._accounts.get(login_name) != password:
            return None
        token = secrets.token_hex(16)
        with self._lock:
            now = time.monotonic()
            # forget long-expired tokens; recently expired ones still answer "expired"
            self._expiry = {t: e for t, e in self._expiry.items() if e + FORGET_AFTER_SECONDS > now}
            self._expiry[token] = now + self._ttl
        return token

    def problem_with(self, token) -> str | None:
        """Why ``token`` is not accepted ("missing", "invalid", "expired"), or None if it is good."""
        if not isinstance(token, str) or not token:
            return "missing"
        with self._lock:
            expiry = self._expiry.get(token)
        if expiry is None:
            return "invalid"
        return "expired" if time.monotonic() >= expiry else None

    @property
    def ttl_seconds(self) -> float:
        """How long a token lives."""
        return self._ttl
