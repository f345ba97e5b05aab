"""The notifications service's settings, read once from its nameko config (deploy/config/notifications.yaml)."""
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import yaml

from services.notifications.messages import MessageTemplates
from services.notifications.policies import QuietHours, RateLimit, RetryPolicy
from services.notifications.tokens import LinkTokens
from shared.config import PROJECT_ROOT, project_path
from shared.contact import jurisdiction_region

DEFAULT_TEMPLATES = PROJECT_ROOT / "services" / "notifications" / "templates"


@dataclass(frozen=True)
class Links:
    """The public addresses residents are sent to."""
    tracking_base_url: str
    public_base_url: str
    tokens: LinkTokens

    def tracking(self, service_request_id):
        """Intake's public page of the request (intake serves it at /track/<id>)."""
        return f"{self.tracking_base_url}/track/{service_request_id}"

    def follow(self, service_request_id):
        return f"{self.public_base_url}/follow?request={service_request_id}"

    def unsubscribe(self, subscription_id):
        return f"{self.public_base_url}/unsubscribe/{self.tokens.for_unsubscribe(subscription_id)}"

    def survey(self, survey_id):
        return f"{self.public_base_url}/survey/{self.tokens.for_survey(survey_id)}"


@dataclass(frozen=True)
class Settings:
    links: Links
    tokens: LinkTokens
    templates: MessageTemplates
    zone: ZoneInfo
    quiet_hours: QuietHours
    rate_limit: RateLimit
    retry: RetryPolicy
    survey_delay: timedelta
    lease: timedelta
    batch_size: int
    phone_region: str          # numbers typed without + are this country's (ISO 3166 alpha-2)
    sms_inbound_key: str


def load_settings(config):
    """Settings from a nameko config mapping; a bad value stops start-up with its reason."""
    zone = ZoneInfo(_jurisdiction(config).get("timezone", "UTC"))
    tokens = LinkTokens(str(config.get("SECRET_KEY", "dev-only-secret")),
                        int(float(config.get("SURVEY_VALID_DAYS", 30)) * 86400))
    return Settings(
        links=Links(str(config.get("TRACKING_BASE_URL", "http://localhost:8311")).rstrip("/"),
                    str(config.get("PUBLIC_BASE_URL", "http://localhost:8313")).rstrip("/"), tokens),
        tokens=tokens, templates=MessageTemplates(templates_folder(config)), zone=zone,
        quiet_hours=QuietHours.parse(config.get("QUIET_HOURS", "21:00-08:00"), zone),
        rate_limit=RateLimit(int(config.get("RATE_LIMIT_MAX", 10)),
                             timedelta(seconds=float(config.get("RATE_LIMIT_WINDOW_SECONDS", 3600)))),
        retry=RetryPolicy(float(config.get("RETRY_BACKOFF_SECONDS", 10)),
                          float(config.get("RETRY_BACKOFF_MAX_SECONDS", 3600)),
                          int(config.get("DELIVERY_MAX_ATTEMPTS", 10))),
        survey_delay=timedelta(seconds=float(config.get("SURVEY_DELAY_SECONDS", 86400))),
        lease=timedelta(seconds=float(config.get("DELIVERY_LEASE_SECONDS", 120))),
        batch_size=int(config.get("DISPATCH_BATCH_SIZE", 50)),
        phone_region=jurisdiction_region(config.get("JURISDICTION_DIR", "deploy/jurisdictions/sample")),
        sms_inbound_key=str(config.get("SMS_INBOUND_KEY", "") or ""))


def templates_folder(config):
    """Message and page templates: the shipped ones unless TEMPLATES_DIR points elsewhere."""
    return project_path(config.get("TEMPLATES_DIR") or DEFAULT_TEMPLATES)


def _jurisdiction(config):
    folder = project_path(config.get("JURISDICTION_DIR", "deploy/jurisdictions/sample"))
    with open(folder / "jurisdiction.yaml") as handle:
        return yaml.safe_load(handle) or {}
