"""nameko dependencies of intake: the jurisdiction's catalog and settings, loaded once at start-up."""
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import yaml
from nameko import config
from nameko.extensions import DependencyProvider

from services.intake.open311.catalog import load_catalog_file
from shared.config import project_path


@dataclass(frozen=True)
class Jurisdiction:
    jurisdiction_id: str
    name: str
    timezone: ZoneInfo
    api_keys: list
    catalog: object
    changeset: object


class JurisdictionProvider(DependencyProvider):
    """Reads jurisdiction.yaml and services.yaml; a broken file stops start-up with its reason."""

    def setup(self):
        folder = project_path(config["JURISDICTION_DIR"])
        with open(folder / "jurisdiction.yaml") as handle:
            settings = yaml.safe_load(handle)
        services_file = folder / "services.yaml"
        from datetime import datetime, timezone
        self.jurisdiction = Jurisdiction(
            jurisdiction_id=settings["jurisdiction_id"], name=settings["name"],
            timezone=ZoneInfo(settings.get("timezone", "UTC")), api_keys=settings.get("api_keys", []),
            catalog=load_catalog_file(services_file),
            changeset=datetime.fromtimestamp(services_file.stat().st_mtime, timezone.utc))

    def get_dependency(self, worker_ctx):
        return self.jurisdiction
