"""HTTP for the adapters: timeouts on every call, and transport failures as TransientError."""
import requests

from .base import NoAnswer, TransientError

RETRYABLE_STATUS = {408, 429, 502, 503, 504}


class HttpTransport:
    """Calls one system over HTTP; raises TransientError when the system cannot be reached or is unavailable.

    Other HTTP statuses (including 500) come back to the caller, whose protocol
    decides what they mean.
    """

    def __init__(self, system: str, base_url: str, timeout_seconds: float):
        self._system = system
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_seconds
        self._session = requests.Session()

    def post(self, path: str, **kwargs) -> requests.Response:
        """POST ``path`` (relative to the base URL) with requests keyword arguments."""
        return self.request("POST", path, **kwargs)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """Any method on ``path`` (relative to the base URL) with requests keyword arguments."""
        url = f"{self._base_url}{path}"
        try:
            response = self._session.request(method, url, timeout=self._timeout, **kwargs)
        except requests.ConnectTimeout:
            raise TransientError(self._system, f"cannot reach {url} within {self._timeout}s") from None
        except requests.Timeout:  # sent, and no answer: it may still be carried out
            raise NoAnswer(self._system, f"no answer from {url} within {self._timeout}s") from None
        except requests.RequestException as error:
            raise TransientError(self._system, f"cannot reach {url}: {type(error).__name__}") from None
        if response.status_code in RETRYABLE_STATUS:
            raise TransientError(self._system, f"{url} answered HTTP {response.status_code}")
        return response
