"""nameko dependencies of routing: the jurisdiction, loaded and validated once at start-up."""
from nameko import config
from nameko.extensions import DependencyProvider

from services.routing.domain.jurisdiction import load_jurisdiction
from shared.config import project_path


class JurisdictionProvider(DependencyProvider):
    """A bad rule file stops start-up with a ConfigurationError naming the file, line and problem."""

    def setup(self):
        self.jurisdiction = load_jurisdiction(project_path(config["JURISDICTION_DIR"]))

    def get_dependency(self, worker_ctx):
        return self.jurisdiction
