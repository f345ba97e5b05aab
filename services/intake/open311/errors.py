"""Open311 errors: one problem, several problems, and a collector that gathers them.

GeoReport v2 answers errors as a list (`[{"code": 400, "description": "..."}]`),
so validation reports every problem it finds instead of stopping at the first.
The HTTP status follows the spec: 403 for a missing or wrong api_key, 404 for
something that does not exist, 400 for everything else.
"""

_QUOTE_LIMIT = 60

# When several problems are reported together, the most telling status wins.
_STATUS_PRIORITY = (403, 404, 400)


class Open311Error(Exception):
    """One problem with a request: HTTP `status`, body `code` and a `description`."""

    def __init__(self, status, code, description):
        self.status = status
        self.code = code
        self.description = description
        super().__init__(f"{status}: {description}")

    @property
    def errors(self):
        """The problems this exception stands for (here, just itself)."""
        return [self]

    @classmethod
    def bad_request(cls, description):
        """A 400: the request is malformed or fails validation."""
        return cls(400, 400, description)

    @classmethod
    def not_found(cls, description):
        """A 404: the service code, jurisdiction, request or resource does not exist."""
        return cls(404, 404, description)

    @classmethod
    def forbidden(cls, description):
        """A 403: the api_key is missing or not recognised."""
        return cls(403, 403, description)


class Open311ErrorGroup(Open311Error):
    """Several problems found in one request, reported together."""

    def __init__(self, errors):
        self._errors = list(errors)
        status = most_telling_status(e.status for e in self._errors)
        descriptions = "; ".join(e.description for e in self._errors)
        super().__init__(status, status, descriptions)

    @property
    def errors(self):
        return list(self._errors)


def most_telling_status(statuses):
    """The HTTP status for several problems: 403 over 404 over 400."""
    found = set(statuses)
    return next((s for s in _STATUS_PRIORITY if s in found), max(found))


class ErrorCollector:
    """Runs validation steps, keeps their Open311Errors, and raises them all at the end.

        problems = ErrorCollector()
        lat = problems.check(parse_latitude, params)   # None if it failed
        problems.raise_if_any()
    """

    def __init__(self):
        self.errors = []

    def check(self, step, *args, **kwargs):
        """Call `step`; return its result, or None after recording its Open311Error."""
        try:
            return step(*args, **kwargs)
        except Open311Error as exc:
            self.errors.extend(exc.errors)
            return None

    def add(self, error):
        """Record a problem found without calling a step."""
        self.errors.extend(error.errors)

    def raise_if_any(self):
        """Raise the single problem, or an Open311ErrorGroup of all of them."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise Open311ErrorGroup(self.errors)


def quote(value):
    """An offending value as an error description quotes it: repr-style and clipped."""
    text = str(value)
    if len(text) > _QUOTE_LIMIT:
        text = text[:_QUOTE_LIMIT] + "..."
    return repr(text)
