"""Which status changes residents hear about, and the words: Jinja2 templates per language.

Each message has, per language, `<lang>/<message>.txt` (sets `subject`, `text` and `sms`) and
`<lang>/<message>.html` (the HTML part of the email, autoescaped). A missing variable is an error,
never a blank in a resident's message. Templates write a date and time with `local_time(value)`
(`local_time(value, "short")` in a text message): in the language's conventions, in the value's own
zone (the jurisdiction's: outgoing.py converts them), with the zone's name.
"""
import re
from dataclasses import dataclass
from functools import partial

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError

from shared.i18n import LANGUAGES, local_datetime

# Stages of RequestStatusChanged a resident is told about, and the message for each.
MESSAGE_FOR_STAGE = {
    "received": "received",
    "routed": "routed",
    "duplicate": "duplicate",
    "in_progress": "work_started",
    "closed": "closed",
    "reopened": "reopened",
}


def message_for(stage):
    """The message for a public stage, or None when residents are not told."""
    return MESSAGE_FOR_STAGE.get(stage)


class RenderError(Exception):
    """A template failed (syntax, missing variable, missing file): this one message cannot be sent."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


class MessageTemplates:
    def __init__(self, folder):
        common = dict(loader=FileSystemLoader(str(folder)), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
        # text/plain parts: HTML escaping would show &amp; to the reader; the HTML part escapes (next line)
        self._text = Environment(autoescape=False, **common)  # nosec B701
        self._html = Environment(autoescape=True, **common)

    def render(self, message, language, channel, context):
        """Subject and body for `channel` (a text's body is the short `sms`); raises RenderError."""
        language = language if language in LANGUAGES else "en"
        context = {**context, "local_time": partial(_local_time, language=language)}
        try:
            words = self._text.get_template(f"{language}/{message}.txt").make_module(context)
            if channel == "sms":
                return Rendered(_one_line(words.subject), _tidy(words.sms), None)
            subject = _one_line(words.subject)
            html = self._html.get_template(f"{language}/{message}.html").render(context, subject=subject)
            return Rendered(subject, _tidy(words.text), html)
        except (TemplateError, AttributeError, KeyError, TypeError, ValueError) as exc:
            raise RenderError(f"template {language}/{message}: {type(exc).__name__}: {exc}") from exc


def _local_time(value, date_format="full", *, language):
    if value.tzinfo is None:
        raise ValueError("a date and time without a zone cannot be shown to a resident")
    return local_datetime(value, value.tzinfo, language, date_format)


def _one_line(value):
    return " ".join(str(value).split())[:300]


def _tidy(value):
    lines = [line.rstrip() for line in str(value).strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
