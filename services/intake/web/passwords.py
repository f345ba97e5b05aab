"""Staff passwords: argon2id hashes (argon2-cffi), never the password itself."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("city311 has no such account")
MIN_LENGTH = 10


def hash_password(password):
    """An argon2id hash of `password`; ValueError if it is too short to be a password."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash, password):
    """True when `password` matches `password_hash` (None: an unknown account, always False)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
