"""Wait until every city311 process answers, print where everything is, and exit (run once by `make run`).

Exit status 0 when everything answered, 1 when something did not: supervisord reports it, and does
not run this again (it is a one-shot program; the services themselves are restarted).
"""
import os
import sys
import time
import urllib.request

ENDPOINTS = [
    ("Open311 API", "http://localhost:8311/open311/discovery.json"),
    ("intake", "http://localhost:8311/health"),
    ("routing", "http://localhost:8315/health"),
    ("workorders (legacy webhooks)", "http://localhost:8314/health"),
    ("notifications", "http://localhost:8313/health"),
    ("metrics (/metrics, /api/summary)", "http://localhost:8312/health"),
    ("Public Works – Streets (simulated)", "http://localhost:9001/admin/workorders"),
    ("Watershed Management (simulated)", "http://localhost:9002/admin/workorders"),
    ("Solid Waste (simulated)", "http://localhost:9003/admin/workorders"),
    ("Parks & Recreation – Forestry (simulated)", "http://localhost:9004/admin/workorders"),
    ("Transportation (simulated)", "http://localhost:9005/admin/workorders"),
    ("Code Enforcement (simulated)", "http://localhost:9006/admin/workorders"),
    ("mail catch-all (caught mail)", "http://localhost:8025/"),
    ("SMS gateway (sent texts)", "http://localhost:8026/api/messages"),
]


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def main(timeout=120):
    deadline = time.monotonic() + timeout
    pending = list(ENDPOINTS)
    while pending and time.monotonic() < deadline:
        pending = [(name, url) for name, url in pending if not answers(url)]
        time.sleep(1)
    for name, url in ENDPOINTS:
        mark = "NOT ANSWERING" if (name, url) in pending else "ok"
        print(f"  {name:42} {url}  [{mark}]")
    if pending:
        print(f"city311 started, but {len(pending)} of its endpoints do not answer: see var/log/<name>.log")
    else:
        print("city311 is up. File a request:  curl -s -X POST http://localhost:8311/open311/v2/requests.json "
              "-d api_key=dev-web-key -d service_code=POTHOLE -d lat=33.7490 -d long=-84.3880 "
              "-d attribute[SIZE]=large -d 'description=Deep pothole'")
    print("Logs: var/log/<name>.log.  Processes: .venv/bin/supervisorctl -c var/run/supervisord.conf status.  "
          "Ctrl-C stops everything.")
    sys.stdout.flush()
    return 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main(int(os.environ.get("ANNOUNCE_TIMEOUT", "120"))))
