"""The queues to watch: every handler's work queue, and each service's delay and dead-letter queues.

Run as a module it prints them as JSON; `queue_names()` runs it in a child process,
so importing every service class (with its logging set-up) stays out of the driver.
"""
import json
import subprocess
import sys

from shared.config import SERVICES, load_service_config
from tests.support.processes import ROOT


def queue_names(env=None):
    """{"work": [...], "other": [...]} as the services declare them under the environment `env`."""
    done = subprocess.run([sys.executable, "-W", "ignore", "-m", "bench.queues"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"could not list the services' queues:\n{done.stderr}")
    return json.loads(done.stdout)


def main():
    from shared.messaging.declare import handlers_of, service_class
    from shared.messaging.topology import ServiceQueues, work_queue_name
    work, other = [], []
    for service in SERVICES:
        work += [work_queue_name(source, event_type, service, method)
                 for source, event_type, method in handlers_of(service_class(service))]
        delays = load_service_config(service).get("RETRY_DELAYS_SECONDS") or []
        other += [queue.name for queue in ServiceQueues(service, delays).shared_queues()]
    print(json.dumps({"work": work, "other": other}))


if __name__ == "__main__":
    main()
