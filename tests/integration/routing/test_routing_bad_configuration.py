"""A bad jurisdiction file stops the routing process at start-up, as `make run` starts it (deploy/Procfile),
with a non-zero exit and one line naming the file, the line and the problem; the same folder unbroken starts."""
import os
import shutil
import subprocess

import pytest

from shared.persistence.migrations import upgrade
from tests.support.processes import ROOT, free_port, nameko_process

SAMPLE = ROOT / "deploy" / "jurisdictions" / "sample"

# file, text replaced, its replacement, the problem the message must state
BREAKAGES = {
    "unknown department": (
        "routing_rules.yaml", "service_code: WATER_MAIN_BREAK\n    department: WATERSHED",
        "service_code: WATER_MAIN_BREAK\n    department: WATERWORKS", "unknown department 'WATERWORKS'"),
    "bad service level": (
        "routing_rules.yaml", "priority: emergency\n    service_level: {calendar_hours: 2}\n\n  - id: storm",
        "priority: emergency\n    service_level: {calendar_days: 2}\n\n  - id: storm",
        "bad service-level spec: unknown unit 'calendar_days'"),
    "unknown attribute value": (
        "routing_rules.yaml", "when: {attributes: {LEAK_SIDE: city_side}}",
        "when: {attributes: {LEAK_SIDE: street_side}}", "unknown value 'street_side' for attribute LEAK_SIDE"),
    "not YAML": (
        "routing_rules.yaml", "  - id: sewer-backup\n", "  - id: sewer-backup\n   oops: [\n", "not valid YAML"),
    "unknown district kind": (
        "districts.geojson", '{"kind": "council_district", "code": "CD-01"', '{"kind": "ward", "code": "CD-01"',
        "unknown kind 'ward'"),
}


def routing_process(env, workdir):
    """The routing process exactly as the Procfile starts it, against this jurisdiction folder."""
    return nameko_process("routing", env, env["ROUTING_HTTP_ADDRESS"].rsplit(":", 1)[1], workdir)


@pytest.fixture
def city(tmp_path, amqp_uri):
    """A copy of the sample jurisdiction and the environment that points the routing service at it."""
    folder = tmp_path / "city"
    shutil.copytree(SAMPLE, folder)
    database = f"sqlite:///{tmp_path}/routing.sqlite"
    upgrade("routing", database)
    env = {**os.environ, "CITY311_JURISDICTION": str(folder), "AMQP_URI": amqp_uri,
           "ROUTING_DATABASE_URL": database, "ROUTING_HTTP_ADDRESS": f"127.0.0.1:{free_port()}",
           "PYTHONWARNINGS": "ignore"}
    return folder, env


def break_file(folder, filename, old, new):
    """Replace `old` (which must occur once) and return the 1-based line where `new` begins."""
    path = folder / filename
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in {filename}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    changed = text.index(old) + len(os.path.commonprefix([old, new]))
    return path, text[:changed].count("\n") + 1


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_bad_file_stops_start_up_naming_file_line_and_problem(city, tmp_path, breakage):
    folder, env = city
    filename, old, new, problem = BREAKAGES[breakage]
    path, line = break_file(folder, filename, old, new)

    done = subprocess.run(routing_process(env, tmp_path).argv, cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)

    assert done.returncode != 0
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith(f"routing: bad jurisdiction configuration: {path}:{line}: "), done.stderr
    assert problem in message
    assert "Traceback" not in done.stderr


def test_the_same_folder_unbroken_starts_and_answers(city, tmp_path):
    _, env = city
    process = routing_process(env, tmp_path)
    try:
        process.start(wait=True)
    finally:
        process.stop()
