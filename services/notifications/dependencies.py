"""nameko dependencies of notifications: its settings, its channels and its pages, built once at start-up."""
from nameko import config
from nameko.extensions import DependencyProvider

from services.notifications.channels import Channels, EmailChannel, SmsChannel
from services.notifications.pages import Pages
from services.notifications.settings import load_settings, templates_folder


class SettingsProvider(DependencyProvider):
    """The Settings (links, templates, policies); a bad value stops start-up with its reason."""

    def setup(self):
        self.settings = load_settings(config)

    def get_dependency(self, worker_ctx):
        return self.settings


class ChannelsProvider(DependencyProvider):
    """Email over SMTP and texts through the SMS gateway, as configured."""

    def setup(self):
        email = EmailChannel(config.get("SMTP_HOST", "localhost"), config.get("SMTP_PORT", 2525),
                             config.get("SMTP_FROM", "City 311 <no-reply@311.example.org>"),
                             timeout=config.get("SMTP_TIMEOUT_SECONDS", 10),
                             username=config.get("SMTP_USERNAME") or None,
                             password=config.get("SMTP_PASSWORD") or None,
                             starttls=bool(config.get("SMTP_STARTTLS", False)))
        sms = SmsChannel(config.get("SMS_GATEWAY_URL", "http://localhost:8026"),
                         config.get("SMS_GATEWAY_API_KEY", "dev-sms-key"),
                         timeout=config.get("SMS_GATEWAY_TIMEOUT_SECONDS", 10))
        self.channels = Channels(email, sms)

    def get_dependency(self, worker_ctx):
        return self.channels


class PagesProvider(DependencyProvider):
    def setup(self):
        self.pages = Pages(templates_folder(config))

    def get_dependency(self, worker_ctx):
        return self.pages
