"""The whole system for the bus tests, with some departments on direct events (a jurisdiction copy of its own).

`system` (shared by the package's modules): Streets and Watershed on direct
events, the other departments on their legacy adapters. A module that needs
another configuration defines its own `system` with `running_system(...)`.
"""
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.integration.conftest import BACKENDS, _require
from tests.support.broker import isolated_vhost
from tests.support.databases import database_urls
from tests.support.processes import ROOT
from tests.support.system import LEGACY_SYSTEMS, System

SAMPLE = ROOT / "deploy" / "jurisdictions" / "sample"
DIRECT = {"PW-STREETS": "direct-streets", "WATERSHED": "direct-watershed"}


def assign_systems(jurisdiction: Path, systems: dict):
    """Point departments at other work-order systems in a jurisdiction's departments.yaml (as an operator would)."""
    path = jurisdiction / "departments.yaml"
    text = path.read_text()
    for code, system in systems.items():
        text, found = re.subn(rf"(- code: {re.escape(code)}\n(?:[ \t]+.*\n)*?[ \t]+work_order_system: )\S+",
                              rf"\g<1>{system}", text)
        assert found == 1, f"no department {code} in {path}"
    path.write_text(text)


def work_order_systems(names):
    return f"[{', '.join(names)}]"


@contextmanager
def running_system(backend, workdir, departments, systems):
    """The system on a fresh vhost and databases, its city's departments assigned to `departments`' systems."""
    jurisdiction = workdir / "jurisdiction"
    shutil.copytree(SAMPLE, jurisdiction)
    assign_systems(jurisdiction, departments)
    env = {"CITY311_JURISDICTION": str(jurisdiction), "WORK_ORDER_SYSTEMS": work_order_systems(systems)}
    with isolated_vhost() as uri, database_urls(backend, workdir) as urls:
        running = System(uri, urls, workdir, extra_env=env)
        running.amqp_uri, running.backend, running.jurisdiction = uri, backend, jurisdiction
        try:
            _start(running)
            yield running
        finally:
            running.stop()


def _start(running):
    """Start the system; a service that died starting (a broker handshake timing out on a loaded machine) gets
    one more start, logged, before the fixture gives up."""
    try:
        running.start()
    except AssertionError:
        died = [p for p in running.services.values() if p.popen is not None and p.popen.poll() is not None]
        if not died:
            raise
        for process in died:
            print(f"{process.name} died starting; starting it again:\n{process.tail(5)}")
            process.start(wait=True)
        for process in (*running.legacy.values(), *running.services.values()):
            process.wait_healthy()


@pytest.fixture(scope="package", params=BACKENDS)
def system(request, tmp_path_factory):
    """Streets and Watershed on direct events; Solid Waste and the rest on their legacy adapters."""
    _require(request.param)
    workdir = tmp_path_factory.mktemp(f"bus-{request.param}")
    with running_system(request.param, workdir, DIRECT, [*LEGACY_SYSTEMS, *DIRECT.values()]) as running:
        yield running
