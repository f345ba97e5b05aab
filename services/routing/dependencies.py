"""nameko dependencies of routing: the jurisdiction, loaded and validated once at start-up."""
import structlog
from nameko import config
from nameko.extensions import DependencyProvider

from services.routing.domain.config_file import ConfigurationError
from services.routing.domain.jurisdiction import load_jurisdiction
from shared.config import project_path

log = structlog.get_logger("city311.routing")


class JurisdictionProvider(DependencyProvider):
    """A bad rule file stops start-up with one line naming the file, line and problem."""

    def setup(self):
        try:
            self.jurisdiction = load_jurisdiction(project_path(config["JURISDICTION_DIR"]))
        except ConfigurationError as error:
            log.error("bad jurisdiction configuration, not starting", problem=str(error))
            # SystemExit, not the error itself: the operator reads one line, not three tracebacks.
            raise SystemExit(f"routing: bad jurisdiction configuration: {error}") from None

    def get_dependency(self, worker_ctx):
        return self.jurisdiction
