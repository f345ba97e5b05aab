"""`make cluster`: three RabbitMQ nodes of the run's own as one cluster, two instances of every service on
PostgreSQL, steady load; a broker node stopped and started, an instance of each service killed; the table.

    python -m tests.reliability.cluster                          # the default run (about 15 minutes on 2 cores)
    python -m tests.reliability.cluster --rate 1 --fault-seconds 20 --no-drives
"""
import argparse
import os
import signal
import sys
import time
from pathlib import Path

from tests.reliability.cluster import table
from tests.reliability.cluster.session import RESULTS, cluster_session


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.cluster",
                                     description=" ".join(__doc__.splitlines()[:2]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--rate", type=float, default=2.0, help="steady load, contacts/s (default %(default)s)")
    parser.add_argument("--fault-seconds", type=float, default=30.0, help="each step's window (default %(default)s)")
    parser.add_argument("--after-seconds", type=float, default=20.0, help="load after each step (default %(default)s)")
    parser.add_argument("--warm-seconds", type=float, default=15.0, help="load before each step")
    parser.add_argument("--converge-seconds", type=float, default=300.0, help="bound on the wait for the invariants")
    parser.add_argument("--timers", choices=("deploy", "fast"), default="fast")
    parser.add_argument("--drive-rate", type=float, default=6.0, help="item 2's drives: contacts/s (default %(default)s)")
    parser.add_argument("--drive-seconds", type=float, default=30.0)
    parser.add_argument("--no-drives", action="store_true", help="skip the one- and two-instance drives")
    parser.add_argument("--results", default=str(RESULTS), help="parent folder of the results (default %(default)s)")
    return parser.parse_args(argv)


def _stop_on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def run_all(run, args):
    drives = [] if args.no_drives else [run.drive(n, args.drive_rate, args.drive_seconds) for n in (1, 2)]
    run.choose_leading_node()
    steps = [run.step("broker node leading most queues stopped", run.stop_leading_node, args.fault_seconds,
                      args.after_seconds),
             run.step("that broker node started again", run.start_stopped_node, args.fault_seconds,
                      args.after_seconds),
             run.step("kill -9 one instance of each service", run.kill_one_instance_of_each, args.fault_seconds,
                      args.after_seconds)]
    return steps, drives


def main(argv=None):
    args = _arguments(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)
    folder = Path(args.results) / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    context = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "rate": args.rate, "instances": 2,
               "timers": args.timers, "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at start"}
    with cluster_session(args.rate, args.converge_seconds, 2, args.warm_seconds, args.timers,
                         logs_to=folder / "logs") as run:
        steps, drives = run_all(run, args)
    text = table.write(steps, drives, context, folder)
    print("\n" + text)
    print(f"results in {folder}/")
    return 0 if all(s.converged and not s.lost and not s.duplicated for s in steps) else 1


if __name__ == "__main__":
    sys.exit(main())
