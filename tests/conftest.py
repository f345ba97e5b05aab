"""Suite-wide settings. Unit tests need nothing running; integration tests bring their own system."""
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)


import os
import shlex
import shutil

import pytest

from shared.messaging.broker import rabbitmqctl_argv

# The command that administers the broker under test (the machine's rabbitmqctl, or the project's
# own node under var/rabbitmq): simulators started by tests inherit it.
os.environ.setdefault("RABBITMQCTL", shlex.join(rabbitmqctl_argv()))

CHROMIUM = os.environ.get("CITY311_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-extensions", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless chromium driven by Playwright, one per test session (its sync API allows one)."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no chromium at {CHROMIUM}: apt-get install -y chromium (or set CITY311_CHROMIUM)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
