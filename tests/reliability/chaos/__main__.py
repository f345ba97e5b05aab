"""`make chaos`: the fault table. Starts its own system (own broker node, own PostgreSQL server when asked),
drives steady load, injects each fault in turn, heals it, waits for the invariants and writes the table.

    python -m tests.reliability.chaos                              # every row (long: departments down 5 min each)
    python -m tests.reliability.chaos --faults kill,poison --rate 2
    python -m tests.reliability.chaos --one-per-kind --db postgresql --timers fast
    python -m tests.reliability.chaos --list                       # the rows, without running anything
"""
import argparse
import os
import signal
import sys
import time
from pathlib import Path

from tests.reliability.chaos import faults as catalogue
from tests.reliability.chaos import table
from tests.reliability.chaos.session import RESULTS, chaos_session


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.chaos",
                                     description=__doc__.splitlines()[0] + " " + __doc__.splitlines()[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--faults", default="", help="comma-separated words: rows whose name or kind contains "
                                                      "one (e.g. kill,rabbitmq,streets,poison); default every row")
    parser.add_argument("--one-per-kind", action="store_true", help="only the first row of each kind of fault")
    parser.add_argument("--rate", type=float, default=5.0, help="contacts per second offered (default %(default)s)")
    parser.add_argument("--repetitions", type=int, default=1, help="run the chosen rows this many times")
    parser.add_argument("--kills", type=int, default=3, help="kill -9 per process row (default %(default)s)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql",
                        help="services' databases; postgresql runs a server of the run's own (default)")
    parser.add_argument("--timers", choices=("deploy", "fast"), default="deploy",
                        help="deploy/config's retry, lease and resend timers (as make run), or the tests' fast ones")
    parser.add_argument("--fault-seconds", type=float, help="keep every fault this long (default: each its own: "
                                                            "departments down 300, PostgreSQL 180, others 10-60)")
    parser.add_argument("--warm-seconds", type=float, default=10.0, help="load before each fault")
    parser.add_argument("--converge-seconds", type=float, default=600.0, help="bound on the wait after each heal")
    parser.add_argument("--results", default=str(RESULTS), help="parent folder of the results (default %(default)s)")
    parser.add_argument("--seed", type=int, default=311)
    parser.add_argument("--list", action="store_true", help="print the rows that would run, and stop")
    return parser.parse_args(argv)


def chosen_faults(args, legacy_systems):
    rows = catalogue.catalogue(legacy_systems, postgres=args.db == "postgresql", kills=args.kills)
    rows = catalogue.pick(rows, [w.strip() for w in args.faults.split(",") if w.strip()])
    if args.one_per_kind:
        rows = catalogue.one_per_kind(rows)
    return rows * args.repetitions


def _stop_on_signal(signum, _frame):
    """SIGTERM / SIGHUP end the run like Ctrl-C: unwinding stops every process the run started."""
    raise SystemExit(128 + signum)


def main(argv=None):
    args = _arguments(argv)
    from bench.system import ALL_SYSTEMS
    faults = chosen_faults(args, ALL_SYSTEMS)
    if args.list or not faults:
        print("\n".join(f"{f.kind:40} {f.name}" for f in faults) or "no row matches --faults")
        return 0 if faults else 2
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)
    folder = Path(args.results) / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    context = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "db": args.db,
               "rate": args.rate, "timers": args.timers, "converge_seconds": args.converge_seconds,
               "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at start"}
    with chaos_session(args.db, args.timers, args.rate, args.converge_seconds, args.warm_seconds, args.seed,
                       logs_to=folder / "logs") as run:
        rows = [run.row(fault, args.fault_seconds) for fault in faults]
    text = table.write(rows, context, folder, Path(args.results) / "latest.md")
    print("\n" + text)
    print(f"results in {folder}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
