"""Information contacts through the call-taker console, as a signed-in call-taker logs them.

The console is a browser interface: sign in (a form with a CSRF token bound to the
visitor cookie), then every "Answered — log it" is a form post carrying the CSRF
token bound to the staff session. A call-taker signs in once and logs many answers.
"""
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import requests

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class ConsoleError(RuntimeError):
    pass


@dataclass(frozen=True)
class CallTaker:
    """A signed-in console session: its cookies and the CSRF token its forms carry."""
    username: str
    cookies: dict
    csrf_token: str


def sign_in(base_url, username, password, timeout=30):
    """Sign `username` in to the console at `base_url`; the session's cookies and CSRF token."""
    with requests.Session() as browser:
        form = browser.get(f"{base_url}/console/signin", timeout=timeout)
        signed = browser.post(f"{base_url}/console/signin", timeout=timeout, allow_redirects=False, data={
            "csrf_token": _csrf(form.text), "next": "/console", "username": username, "password": password})
        if signed.status_code != 303:
            raise ConsoleError(f"console sign-in of {username} answered {signed.status_code}")
        call_page = browser.get(f"{base_url}/console", timeout=timeout)
        return CallTaker(username, browser.cookies.get_dict(), _csrf(call_page.text))


def log_answer(http, base_url, call_taker, form, timeout):
    """POST one answered contact; (HTTP status, contact id or None, reason or None)."""
    response = http.post(f"{base_url}/console/answers", data={**form, "csrf_token": call_taker.csrf_token},
                         cookies=call_taker.cookies, timeout=timeout, allow_redirects=False)
    logged = parse_qs(urlparse(response.headers.get("Location", "")).query).get("logged")
    if response.status_code == 303 and logged:
        return response.status_code, logged[0], None
    return response.status_code, None, _page_error(response)


def _csrf(page):
    found = CSRF_FIELD.search(page)
    if not found:
        raise ConsoleError("no CSRF token on the console page")
    return found.group(1)


def _page_error(response):
    message = re.search(r'class="error"[^>]*>([^<]+)<', response.text)
    return f"HTTP {response.status_code}: {message.group(1).strip() if message else response.reason}"
