"""Service tokens for tests that call internal APIs as intake's console does (shared/internal_api.py)."""
import os

from shared.internal_api import ServiceTokens, service_secret


def staff_headers(audience="routing", staff="ana", role="call_taker"):
    """Headers with a fresh token for `audience`, acting for `staff`; the system under test shares the secret."""
    tokens = ServiceTokens(service_secret(os.environ.get("CITY311_SERVICE_SECRET")), "tests")
    return tokens.headers(audience, staff, role)
