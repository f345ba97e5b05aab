"""The image's HEALTHCHECK: 0 when the service's GET /health answers 200 (ready), else 1.

The entrypoint wrote the service's health URL (its own port, whatever the environment set) to
/tmp/city311-health-url. A stand-in or a one-shot command has no /health: running is healthy.
Standard library only: it runs every 30 s, and nameko's imports would cost more than the check.
"""
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

HEALTH_URL_FILE = Path(os.environ.get("CITY311_HEALTH_URL_FILE", "/tmp/city311-health-url"))
TIMEOUT_SECONDS = 5


def check(url_file=HEALTH_URL_FILE, timeout=TIMEOUT_SECONDS):
    """(exit status, one line saying why)."""
    if not url_file.exists():
        return 0, "no /health for this process: it is healthy while it runs"
    url = url_file.read_text().strip()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 0, f"{url}: {response.status} {response.read(200).decode(errors='replace')}"
    except urllib.error.HTTPError as error:   # 503 {"status": "waiting", "waiting_for": ...}
        return 1, f"{url}: {error.code} {error.read(300).decode(errors='replace')}"
    except OSError as error:
        return 1, f"{url}: {error}"


if __name__ == "__main__":
    status, reason = check()
    print(reason)
    sys.exit(status)
