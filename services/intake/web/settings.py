"""Settings of intake's web pages, from nameko config (deploy/config/intake.yaml; the environment wins)."""
import secrets
from dataclasses import dataclass

from shared.config import project_path
from shared.internal_api import service_secret


@dataclass(frozen=True)
class WebSettings:
    routing_url: str
    public_base_url: str       # where residents reach intake (links to a photo are built on it, not on Host)
    notifications_url: str
    upload_dir: object
    secret_key: str
    max_upload_bytes: int
    secure_cookies: bool
    session_idle_minutes: int
    session_absolute_hours: int
    service_secret: str


def web_settings(config):
    """Read the web settings; a missing secret is made once and kept under var/ (development)."""
    return WebSettings(
        routing_url=str(config.get("ROUTING_URL") or "http://localhost:8315"),
        public_base_url=str(config.get("PUBLIC_BASE_URL") or "http://localhost:8311").rstrip("/"),
        notifications_url=str(config.get("NOTIFICATIONS_PUBLIC_URL") or "http://localhost:8313"),
        upload_dir=project_path(config.get("UPLOAD_DIR") or "var/uploads"),
        secret_key=str(config.get("WEB_SECRET_KEY") or _development_secret()),
        max_upload_bytes=int(config.get("MAX_UPLOAD_BYTES") or 5_000_000),
        secure_cookies=str(config.get("SECURE_COOKIES") or "false").lower() == "true",
        session_idle_minutes=int(config.get("STAFF_SESSION_IDLE_MINUTES") or 60),
        session_absolute_hours=int(config.get("STAFF_SESSION_HOURS") or 10),
        service_secret=service_secret(config.get("SERVICE_SECRET")),
    )


def _development_secret():
    """A random key kept in var/secrets/, so sign-ins survive a restart of a development intake."""
    path = project_path("var/secrets/intake-web.key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()
