"""deploy/container: the image's entrypoint runs deploy/Procfile's command for the word it is given, and
its HEALTHCHECK is the service's readiness (GET /health on the service's own port)."""
import importlib.util
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shared.config import PROJECT_ROOT, SERVICES
from tests.unit.deploy import processes

CONTAINER = PROJECT_ROOT / "deploy" / "container"


def load(name):
    spec = importlib.util.spec_from_file_location(f"city311_container_{name}", CONTAINER / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


entrypoint, healthcheck = load("entrypoint"), load("healthcheck")


@pytest.mark.parametrize("name", [*SERVICES, *processes.stand_ins()])
def test_each_process_runs_the_command_of_its_procfile_line(name):
    expected = processes.procfile_lines()[name].replace("${CREW_SPEED:-demo}", "demo").split()
    assert list(entrypoint.command_for(name, environ={})) == expected


def test_extra_words_go_after_the_command_and_the_procfiles_variables_come_from_the_environment():
    command = entrypoint.command_for("streets", ["--seed", "7"], environ={"CREW_SPEED": "fast"})
    assert command[-4:] == ("--crew-speed", "fast", "--seed", "7")
    assert entrypoint.command_for("migrate", ["routing"], environ={}) == \
        (".venv/bin/python", "-m", "shared.persistence.migrations", "routing")


def test_an_unknown_word_is_refused_naming_the_processes_of_the_image(capsys):
    with pytest.raises(entrypoint.UnknownCommand, match="no process named 'intak' in this image; one of: "
                                                        "codeenforcement, declare, forestry, intake"):
        entrypoint.command_for("intak", environ={})
    assert entrypoint.main(["intak"]) == 2
    assert "no process named 'intak'" in capsys.readouterr().err
    assert "announce" not in entrypoint.commands(environ={})


@pytest.mark.parametrize("service", SERVICES)
def test_the_health_url_is_the_services_own_port_and_follows_its_address_setting(service):
    command = entrypoint.command_for(service, environ={})
    env_var, default = processes.http_address(service)
    assert entrypoint.health_url(command, environ={}) == f"http://127.0.0.1:{default.rpartition(':')[2]}/health"
    assert entrypoint.health_url(command, environ={env_var: "0.0.0.0:18000"}) == "http://127.0.0.1:18000/health"


def test_a_stand_in_has_no_health_url():
    assert entrypoint.health_url(entrypoint.command_for("streets", environ={}), environ={}) is None


class _Health(BaseHTTPRequestHandler):
    answer = (200, {"status": "ok"})

    def do_GET(self):  # noqa: N802 (http.server's name)
        status, body = self.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_the_healthcheck_passes_while_the_service_is_ready_and_fails_with_its_reason_while_it_waits(
        tmp_path, health_server, monkeypatch):
    url_file = tmp_path / "health-url"
    url_file.write_text(f"http://127.0.0.1:{health_server.server_port}/health")
    assert healthcheck.check(url_file)[0] == 0
    monkeypatch.setattr(_Health, "answer", (503, {"status": "waiting", "waiting_for": "broker"}))
    status, reason = healthcheck.check(url_file)
    assert status == 1 and "503" in reason and '"waiting_for": "broker"' in reason


def test_the_healthcheck_fails_when_nothing_answers_and_passes_for_a_process_without_health(tmp_path):
    url_file = tmp_path / "health-url"
    url_file.write_text("http://127.0.0.1:9/health")   # the discard port: nothing listens there
    status, reason = healthcheck.check(url_file, timeout=5)
    assert status == 1 and "127.0.0.1:9" in reason
    assert healthcheck.check(tmp_path / "absent")[0] == 0


def test_the_image_runs_as_its_own_unprivileged_user_with_the_entrypoint_and_the_healthcheck():
    text = (CONTAINER / "Containerfile").read_text()
    uid = re.search(r"useradd .*--uid (\d+)", text).group(1)
    assert re.findall(r"^USER (\S+)$", text, re.M) == [f"{uid}:{uid}"] and int(uid) > 0
    assert re.search(r'^HEALTHCHECK .*\n?.*CMD \[.*"/opt/city311/deploy/container/healthcheck.py"\]', text, re.M)
    assert re.search(r'^ENTRYPOINT \[.*"/opt/city311/deploy/container/entrypoint.py"\]', text, re.M)


def test_the_image_holds_every_package_a_process_imports_and_the_dashboards_chart_library():
    text = (CONTAINER / "Containerfile").read_text()
    ignored = (CONTAINER / "Containerfile.dockerignore").read_text().splitlines()
    modules = {command.split(" -m ", 1)[1].split(".")[0] if " -m " in command else "services"
               for command in processes.procfile_lines().values() if "announce" not in command}
    for package in modules | {"shared", "deploy"}:
        assert f"COPY {package} ./{package}" in text and f"!{package}" in ignored
    assert "!services/metrics/web/node_modules/chart.js/dist/chart.umd.min.js" in ignored
