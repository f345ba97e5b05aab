"""The CPU bookkeeping of `--mix requests`, on real processes: what the kernel counted, per group, per request.

No timing is asserted: a child burns a known amount of CPU time (its own clock), and the meter must
find at least that much in its group, nothing like it in an idle one.
"""
import select
import subprocess
import sys

import psutil
import psycopg2
import pytest
from sqlalchemy.engine import make_url

from bench.cpu import CpuMeter, broker_node, per_request, postgres_backends, with_children
from bench.run import _arguments, benchmark, load_profile
from tests.support.broker import BASE_URI
from tests.support.databases import POSTGRES_ADMIN_URL, postgres_reachable

BURN_SECONDS = 0.3
BURN = ("import sys, time\n"
        "while time.process_time() < float(sys.argv[1]):\n"
        "    pass\n"
        "print('done', flush=True)\n"
        "time.sleep(120)\n")
IDLE = "import time; print('done', flush=True); time.sleep(120)"
# says it is ready, then on a line from its stdin starts a child of its own that burns the CPU
PARENT = ("import subprocess, sys\n"
          "print('done', flush=True)\n"
          "sys.stdin.readline()\n"
          "subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]]).wait()\n")
TICK = 0.05   # the kernel counts CPU time in clock ticks: what it shows may trail the child's own clock a little


@pytest.fixture
def children():
    started = []

    def start(code, *args):
        child = subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        started.append(child)
        return child

    yield start
    for child in started:
        for descendant in _descendants(child.pid):
            descendant.kill()
        child.kill()
        child.wait(10)


def _descendants(pid):
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _done(child, timeout=120):
    """Wait (bounded) for the child to say it has done its part."""
    readable, _, _ = select.select([child.stdout], [], [], timeout)
    assert readable, f"the child {child.pid} said nothing within {timeout} s"
    assert child.stdout.readline().strip() == "done"


def test_the_meter_counts_what_each_group_burned_between_two_snapshots(children):
    idle, parent = children(IDLE), children(PARENT, BURN, BURN_SECONDS)
    for child in (idle, parent):
        _done(child)   # past its start-up: what follows is inside the window
    meter = CpuMeter({"parent": with_children(parent.pid), "idle": lambda: [idle.pid]})
    before = meter.snapshot()
    parent.stdin.write("go\n")
    parent.stdin.flush()
    _done(parent)   # its child (started inside the window, found as a descendant) has burned its share
    used = CpuMeter.used(before, meter.snapshot())
    assert used["parent"]["processes"] == 2 and used["parent"]["unmeasured"] == 0
    assert used["parent"]["cpu_seconds"] >= BURN_SECONDS - TICK
    assert used["idle"]["cpu_seconds"] < BURN_SECONDS / 3
    assert per_request(used, 3)["parent"] == pytest.approx(1000 * used["parent"]["cpu_seconds"] / 3, abs=0.01)
    assert per_request(used, 0)["parent"] is None


def test_a_process_that_exits_inside_the_window_is_reported_not_guessed(children):
    gone = children(IDLE)
    _done(gone)
    meter = CpuMeter({"group": lambda: [gone.pid] if gone.poll() is None else []})
    before = meter.snapshot()
    gone.kill()
    gone.wait(10)
    used = CpuMeter.used(before, meter.snapshot())
    assert used["group"] == {"cpu_seconds": 0.0, "processes": 0, "exited": 1, "unmeasured": 0}


def test_a_process_found_late_that_was_running_before_the_window_is_left_out(children):
    old = children(BURN, BURN_SECONDS)
    _done(old)   # it burned before the window: none of it may be counted
    found = []
    meter = CpuMeter({"group": lambda: list(found)})
    before = meter.snapshot()
    found.append(old.pid)
    used = CpuMeter.used(before, meter.snapshot())
    assert used["group"]["cpu_seconds"] == 0.0 and used["group"]["unmeasured"] == 1


def test_the_broker_group_is_the_node_serving_the_benchmarks_port():
    find, description = broker_node(BASE_URI)
    if "not measured" in description:
        pytest.skip(f"the broker's process cannot be seen from here: {description}")
    pids = find()
    assert pids and "serving port" in description
    meter = CpuMeter({"broker": find})
    assert meter.snapshot()["groups"]["broker"][pids[0]] > 0   # a running node has used some CPU


def test_a_remote_broker_is_said_to_be_unmeasured():
    find, description = broker_node("amqp://guest:guest@broker.example.org:5672/")
    assert find() == [] and "not on this machine" in description


@pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL is not reachable")
def test_the_database_group_is_the_backends_of_the_benchmarks_databases():
    connection = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        assert pid in postgres_backends([make_url(POSTGRES_ADMIN_URL).database])()
        assert pid not in postgres_backends(["c311_no_such_database"])()
    finally:
        connection.close()


def test_an_unknown_mix_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown mix 'everything': one of contacts, requests"):
        benchmark(None, load_profile(), [1], 1, mix="everything")
    with pytest.raises(SystemExit):
        _arguments(["--mix", "everything"])
    assert _arguments([]).mix == "contacts" and _arguments(["--mix", "requests"]).mix == "requests"

