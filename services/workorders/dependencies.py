"""nameko dependencies of the workorders service: one client and one breaker per configured legacy system."""
from dataclasses import dataclass

from nameko import config
from nameko.extensions import DependencyProvider

from services.workorders.adapters import TransientError, build_client
from services.workorders.breaker import CircuitBreaker, CircuitOpen


@dataclass
class GuardedSystem:
    """A legacy system's client behind its circuit breaker."""
    name: str
    client: object
    breaker: CircuitBreaker

    def call(self, method, *args):
        """Call the client; transient failures (and an open circuit) raise TransientError."""
        try:
            self.breaker.check()
        except CircuitOpen as exc:
            raise TransientError(self.name, str(exc)) from None
        try:
            result = getattr(self.client, method)(*args)
        except TransientError:
            self.breaker.failed()
            raise
        self.breaker.succeeded()
        return result


class LegacySystems(DependencyProvider):
    """Builds every configured system once; workers share clients and breakers."""

    def setup(self):
        names = config.get("WORK_ORDER_SYSTEMS") or []
        threshold = int(config.get("BREAKER_THRESHOLD", 5))
        cooldown = float(config.get("BREAKER_COOLDOWN_SECONDS", 30))
        shared_state = {"journal_database_url": config["DATABASE_URL"]}  # the adapters' journals: ours
        self.systems = {name: GuardedSystem(name, build_client(name, shared_state),
                                            CircuitBreaker(name, threshold, cooldown))
                        for name in names}

    def get_dependency(self, worker_ctx):
        return self.systems
