"""structlog JSON logs: service name and correlation id on every line, personal data never."""
import logging
import re
import sys
from urllib.parse import unquote_plus

import structlog
from nameko.extensions import DependencyProvider

# Keys that may hold a resident's personal data; their values never reach a log.
PERSONAL_KEYS = frozenset({"email", "phone", "first_name", "last_name", "name", "reporter",
                           "contact", "address_string", "device_id", "account_id", "password"})


def redact_personal_data(_logger, _method, event_dict):
    """structlog processor: replace values of personal keys, at any depth of dicts."""
    return _redact(event_dict)


def _redact(value):
    if isinstance(value, dict):
        return {k: ("[redacted]" if k in PERSONAL_KEYS and v else _redact(v)) for k, v in value.items()}
    return value


# Query-string parameters whose values are credentials, whatever they hold.
SECRET_PARAMETERS = frozenset({"api_key", "key", "token", "access_token", "secret", "password", "csrf_token"})
_QUERY_PARAMETER = re.compile(r"([?&])([^=&\s\"?#]+)=([^&\s\"#]*)")
_PHONE_LIKE = re.compile(r"\+?[\d\s().-]{7,}")
# Not phone numbers: tracking numbers (26-0000123), dates and coordinates.
_NOT_A_PHONE = re.compile(r"\d{2}-\d{7}|\d{4}-\d{2}-\d{2}|-?\d{1,3}\.\d+")


def redact_query_strings(_logger, _method, event_dict):
    """structlog processor: in any logged URL (the web server's access lines, a path logged with an error),
    blank query values that are credentials (`api_key`...) or look like an email address or a phone number
    (a console look-up puts what the call-taker typed in the query string)."""
    return {k: (_QUERY_PARAMETER.sub(_redacted_parameter, v) if isinstance(v, str) and "?" in v else v)
            for k, v in event_dict.items()}


def _redacted_parameter(match):
    separator, name, raw = match.groups()
    value = unquote_plus(raw).strip()
    personal = ("@" in value or name.lower() in PERSONAL_KEYS
                or (_PHONE_LIKE.fullmatch(value) and sum(c.isdigit() for c in value) >= 7
                    and not _NOT_A_PHONE.fullmatch(value)))
    if value and (personal or name.lower() in SECRET_PARAMETERS):
        return f"{separator}{name}=[redacted]"
    return match.group(0)


def configure(service_name, level=logging.INFO, stream=None):
    """JSON lines on stdout (or `stream`) for structlog and stdlib loggers (nameko, kombu) alike."""
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_personal_data,
        redact_query_strings,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[_add_service(service_name), structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _add_service(service_name):
    def add(_logger, _method, event_dict):
        event_dict.setdefault("service", service_name)
        return event_dict
    return add


class LogContext(DependencyProvider):
    """Binds the entrypoint and the correlation id (the service request id) for each worker."""

    def worker_setup(self, worker_ctx):
        structlog.contextvars.clear_contextvars()
        bound = {"entrypoint": worker_ctx.entrypoint.method_name}
        first = worker_ctx.args[0] if worker_ctx.args else None
        if isinstance(first, list) and first:  # a batch handler's events
            if len(first) > 1:
                bound["batch_size"] = len(first)
            first = first[0]
        if isinstance(first, dict) and "correlation_id" in first:
            bound.update(correlation_id=first["correlation_id"], event_id=first.get("event_id"),
                         event_type=first.get("event_type"))
        structlog.contextvars.bind_contextvars(**bound)

    def worker_teardown(self, worker_ctx):
        structlog.contextvars.clear_contextvars()

    def get_dependency(self, worker_ctx):
        return structlog.contextvars.bind_contextvars
