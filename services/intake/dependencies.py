"""nameko dependencies of intake: the jurisdiction's catalog and settings, loaded once at start-up."""
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import yaml
from nameko import config
from nameko.extensions import DependencyProvider

from services.intake.open311.catalog import load_catalog_file
from shared.config import project_path
from shared.gazetteer.index import jurisdiction_gazetteer


@dataclass(frozen=True)
class Jurisdiction:
    jurisdiction_id: str
    name: str
    timezone: ZoneInfo
    api_keys: list
    catalog: object
    changeset: object
    gazetteer: object = None     # shared.gazetteer.index.Gazetteer: fills the address of a point-only request


def parse_api_keys(text):
    """OPEN311_API_KEYS, "key=application,key=application": replaces the jurisdiction file's keys when set.

    A malformed value stops start-up (ValueError naming the entry): a typo must not
    leave every client application locked out, or the development keys in force.
    """
    if not text or not str(text).strip():
        return []
    keys, seen = [], set()
    for entry in str(text).split(","):
        key, sep, application = (part.strip() for part in entry.partition("="))
        if not sep or not key or not application:
            raise ValueError(f"OPEN311_API_KEYS: {entry.strip()!r} is not key=application")
        if key in seen:
            raise ValueError(f"OPEN311_API_KEYS: key for {application!r} is listed twice")
        seen.add(key)
        keys.append({"key": key, "application": application})
    return keys


class JurisdictionProvider(DependencyProvider):
    """Reads jurisdiction.yaml and services.yaml; a broken file stops start-up with its reason."""

    def setup(self):
        folder = project_path(config["JURISDICTION_DIR"])
        with open(folder / "jurisdiction.yaml") as handle:
            settings = yaml.safe_load(handle)
        services_file = folder / "services.yaml"
        api_keys = parse_api_keys(config.get("OPEN311_API_KEYS")) or settings.get("api_keys", [])
        self.jurisdiction = Jurisdiction(
            jurisdiction_id=settings["jurisdiction_id"], name=settings["name"],
            timezone=ZoneInfo(settings.get("timezone", "UTC")), api_keys=api_keys,
            catalog=load_catalog_file(services_file),
            changeset=datetime.fromtimestamp(services_file.stat().st_mtime, timezone.utc),
            gazetteer=jurisdiction_gazetteer(folder))

    def get_dependency(self, worker_ctx):
        return self.jurisdiction
