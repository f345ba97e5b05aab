"""`make bench`: start the system (or use a running one), drive a realistic mix, write the results.

    python -m bench.run                                   # the full run (about 10-15 minutes)
    python -m bench.run --rates 25,50 --duration 15 --no-ramp
    python -m bench.run --use-running                     # against `make run` on the default ports
    python -m bench.run --db postgresql --instances routing=2,workorders=2
    python -m bench.run --mix requests --rates 25,50,100   # service requests only, CPU per request per process
"""
import argparse
import os
import shutil
import signal
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import requests
import yaml

from bench import ceiling, console, service_requests
from bench.collect import legacy_listings, legacy_work_orders, results_document, write_submissions
from bench.driver import LoadDriver
from bench.ledger import Ledger
from bench.machine import machine_info
from bench.mix import RequestMix
from bench.observer import Observer
from bench.phases import Schedule
from bench.queues import queue_names
from bench.report import write
from bench.system import BenchSystem, RunningSystem
from shared.config import load_service_config
from tests.support.broker import isolated_vhost
from tests.support.databases import database_urls, postgres_reachable
from tests.support.processes import ROOT

HERE = Path(__file__).resolve().parent
MIXES = ("contacts", service_requests.MIX)
PROFILE = HERE / "profile.yaml"


def load_profile(path=PROFILE):
    return yaml.safe_load(Path(path).read_text())


def _deliveries_due(health_urls):
    """Notifications' sending backlog, summed over its instances (the same table: the largest answer);
    0 for an instance that does not say (an older running system)."""
    due = 0
    for url in health_urls:
        try:
            due = max(due, int(requests.get(url, timeout=5).json().get("deliveries_due", 0)))
        except (requests.RequestException, ValueError):
            pass
    return due


def benchmark(system, profile, rates, seconds, ramp=True, ceiling_seconds=3.0, seed=311, mix="contacts"):
    """Drive `system` through the schedule; (results document, ledger, accounts).

    mix "contacts": the profile's mix of information contacts and service requests; "requests": service
    requests only, with the per-rate figures and CPU per request of bench/service_requests.py."""
    if mix not in MIXES:
        raise ValueError(f"unknown mix {mix!r}: one of {', '.join(MIXES)}")
    requests_only = mix == service_requests.MIX
    if requests_only:
        profile = service_requests.request_profile(profile)
    settings = profile["schedule"]
    started = datetime.now(timezone.utc)
    context = {"started": started.strftime("%Y-%m-%d %H:%M:%S UTC"), "machine": machine_info(system.amqp_uri)}
    context["broker_ceiling"] = ceiling.measure(system.amqp_uri, ceiling_seconds) if ceiling_seconds else {}
    queues = queue_names(system.env)
    intake_urls = [system.url(name, "") for name in system.instances_of("intake")]
    call_takers = [console.sign_in(intake_urls[0], c["username"], c["password"]) for c in profile["call_takers"]]
    stream = load_service_config("metrics").get("STREAM_QUEUE", "metrics.stream")
    observer = Observer(system.amqp_uri, stream, queues["work"], queues["other"], _process_groups(system)).start()
    ledger = Ledger()
    traffic = RequestMix(profile, ROOT, seed=seed, tag=started.strftime("%Y%m%d%H%M%S"))
    driver = LoadDriver(ledger, traffic, intake_urls, call_takers, settings["post_timeout_seconds"],
                        settings["max_in_flight"], seed=seed)
    notifications = [system.url(name, "/health") for name in system.instances_of("notifications")]
    meter, cpu_groups = service_requests.cpu_meter(system) if requests_only else (None, None)
    schedule = Schedule(driver, observer, ledger, settings, profile["sustained"],
                        deliveries_due=lambda: _deliveries_due(notifications), cpu_meter=meter)
    try:
        schedule.fixed(rates, seconds)
        if ramp:
            held = [w.rate for w in schedule.windows if _held_live(schedule, w)]
            schedule.ramp(max(held) if held else min(rates) / 4, settings["ramp_factor"],
                          settings["ramp_step_seconds"], settings["ramp_max_steps"])
        unanswered = driver.finish(settings["post_timeout_seconds"] + 10)
        context["settle_seconds"] = schedule.settle()
    finally:
        observed = observer.stop()
        driver.close()
    context["unanswered_at_end"] = len(unanswered)
    listings = legacy_listings(system)
    document, accounts = results_document(schedule, ledger, observed, legacy_work_orders(system, listings),
                                          system, profile, context)
    document["mix_mode"] = mix
    if requests_only:
        document["service_requests"] = {
            "phases": service_requests.figures(schedule, ledger, observed["milestones"], listings,
                                               schedule.cpu_marks, {p["phase"]: p for p in document["phases"]}),
            "cpu_groups": cpu_groups, "department_listings": listings is not None}
    return document, ledger, accounts


def _held_live(schedule, window):
    return window.phase in schedule.verdicts and schedule.verdicts[window.phase][0]


def _process_groups(system):
    groups = system.process_groups()
    groups["rabbitmq (whole broker, shared)"] = ("named", ["beam.smp"])
    if any(url.startswith("postgresql") for url in getattr(system, "database_urls", {}).values()):
        groups["postgres (whole server, shared)"] = ("named", ["postgres"])
    groups["bench driver"] = ("pids", [os.getpid()])
    return groups


def _instances(text):
    pairs = [item.split("=") for item in text.split(",") if item.strip()] if text else []
    return {name.strip(): int(count) for name, count in pairs}


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    schedule = load_profile()["schedule"]
    parser.add_argument("--rates", default=",".join(str(r) for r in schedule["rates"]),
                        help="fixed rates in contacts/s, comma-separated (default %(default)s)")
    parser.add_argument("--mix", choices=MIXES, default="contacts",
                        help="contacts: the profile's mix (default); requests: service requests only, "
                             "with hand-off times and CPU per request per process")
    parser.add_argument("--duration", type=float, default=schedule["phase_seconds"], help="seconds per fixed rate")
    parser.add_argument("--no-ramp", dest="ramp", action="store_false", help="skip the ramp")
    parser.add_argument("--use-running", action="store_true", help="drive the system `make run` started")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--instances", type=_instances, default={}, help="e.g. routing=2,workorders=2")
    parser.add_argument("--crew-speed", choices=("demo", "fast"), help="legacy crews' pace (profile: demo)")
    parser.add_argument("--ceiling-seconds", type=float, default=3.0, help="per raw broker case; 0 skips it")
    parser.add_argument("--results", default=str(HERE / "results"), help="parent folder of the results")
    parser.add_argument("--note", default="", help="a line for the report (e.g. what else the machine ran)")
    parser.add_argument("--seed", type=int, default=311)
    return parser.parse_args(argv)


def _system(args, profile, stack):
    if args.use_running:
        return RunningSystem()
    if args.db == "postgresql" and not postgres_reachable():
        raise SystemExit("PostgreSQL is not reachable (set CITY311_TEST_POSTGRES_URL); use --db sqlite")
    workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="city311-bench-"))
    uri = stack.enter_context(isolated_vhost())
    urls = stack.enter_context(database_urls(args.db, workdir))
    system = BenchSystem(uri, urls, workdir, profile["system"]["env"], args.instances,
                         args.crew_speed or profile["system"]["crew_speed"])
    stack.callback(system.stop)
    print(f"starting the system ({args.db}, {len(system.services)} service processes) ...", flush=True)
    return system


def _keep_logs(system, folder):
    """The processes' logs outlive the temporary work folder: copy them beside the results."""
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for log in Path(getattr(system, "workdir", "/nonexistent")).glob("*.log"):
        shutil.copyfile(log, logs / log.name)


def _stop_on_signal(signum, _frame):
    """SIGTERM / SIGHUP end the run like Ctrl-C: unwinding stops every process the benchmark started."""
    raise SystemExit(128 + signum)


def main(argv=None):
    args = _arguments(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)
    profile = load_profile()
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    folder = Path(args.results) / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    with ExitStack() as stack:
        system = _system(args, profile, stack)
        try:
            system.start()
            document, ledger, accounts = benchmark(system, profile, rates, args.duration, args.ramp,
                                                   args.ceiling_seconds, args.seed, args.mix)
        finally:
            _keep_logs(system, folder)
    document["config"] = {
        "system": "already running (make run)" if args.use_running else "started by the benchmark",
        "db": "as configured" if args.use_running else args.db, "instances": args.instances,
        "legacy_systems": list(system.legacy_systems),
        "crew_speed": "as configured" if args.use_running else args.crew_speed or profile["system"]["crew_speed"],
        "mix": (service_requests.request_profile(profile) if args.mix == service_requests.MIX else profile)["mix"],
        "mix_mode": args.mix, "rates": rates, "duration": args.duration, "ramp": args.ramp, "note": args.note}
    write(document, folder, Path(args.results) / "latest.md")
    write_submissions(folder / "submissions.csv", ledger, accounts)
    print(f"\nhighest rate sustained: {document['highest_sustained']} contacts/s; results in {folder}/")
    print((folder / "results.md").read_text())


if __name__ == "__main__":
    main()
