"""nameko dependencies of the workorders service: one client per configured legacy system."""
from nameko import config
from nameko.extensions import DependencyProvider

from services.workorders.adapters import build_client


class LegacySystems(DependencyProvider):
    """Builds every configured system's client once; workers share them."""

    def setup(self):
        names = config.get("WORK_ORDER_SYSTEMS") or []
        self.clients = {name: build_client(name, {}) for name in names}

    def get_dependency(self, worker_ctx):
        return self.clients
