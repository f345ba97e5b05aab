"""What a system's refusal codes mean for us: try again later, already on file, or a real refusal."""
from dataclasses import dataclass

from .base import PermanentError, TransientError, WorkOrderSystemError


@dataclass(frozen=True)
class RejectionCodes:
    """Read from the system's ``transient_reject_codes`` and ``duplicate_reject_code`` settings."""

    system: str
    transient: frozenset[str]
    duplicate: str

    @classmethod
    def from_config(cls, system: str, config: dict) -> "RejectionCodes":
        """The codes of one system's configuration."""
        return cls(system, frozenset(config["transient_reject_codes"]), config["duplicate_reject_code"])

    def is_duplicate(self, code: str | None) -> bool:
        """True when the system refused because our reference is already on file."""
        return code == self.duplicate

    def error(self, code: str | None, reason: str | None) -> WorkOrderSystemError:
        """TransientError for a system-side trouble code, else PermanentError; the reason as the system gave it."""
        text = f"{code or 'refused'}: {reason or 'no reason given'}"
        return TransientError(self.system, text) if code in self.transient else PermanentError(self.system, text)
