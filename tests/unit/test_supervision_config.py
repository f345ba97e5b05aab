"""`make run`'s supervisord configuration, rendered from deploy/Procfile by shared/supervision.py."""
import configparser
import subprocess

import pytest

from shared.config import PROJECT_ROOT
from shared.supervision import Program, expand, procfile_programs, render_config

PROCFILE = PROJECT_ROOT / "deploy" / "Procfile"
EVERY_PROCESS = {"intake", "routing", "workorders", "notifications", "metrics", "streets", "watershed",
                 "solidwaste", "forestry", "transportation", "codeenforcement", "mailcatcher", "smsgateway",
                 "announce"}


def _parsed(text):
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return parser


@pytest.fixture
def make_run_config(tmp_path):
    programs = procfile_programs(PROCFILE, environ={}, cwd=str(PROJECT_ROOT))
    return _parsed(render_config(programs, tmp_path / "run", tmp_path / "log"))


def test_make_run_supervises_all_fourteen_processes_and_restarts_every_one_but_the_announcement(
        make_run_config, tmp_path):
    programs = {s.split(":", 1)[1]: make_run_config[s] for s in make_run_config.sections()
                if s.startswith("program:")}
    assert set(programs) == EVERY_PROCESS
    for name, options in programs.items():
        assert options["stopasgroup"] == options["killasgroup"] == "true"
        if name == "announce":
            assert (options["autorestart"], options["exitcodes"]) == ("false", "0")
            assert options["stdout_logfile"] == "/dev/stdout"
        else:
            assert options["autorestart"] == "true" and int(options["startretries"]) >= 10
            assert options["stdout_logfile"] == str(tmp_path / "log" / f"{name}.log")


def test_make_run_runs_supervisord_in_the_foreground_with_a_socket_for_supervisorctl(make_run_config, tmp_path):
    assert make_run_config["supervisord"]["nodaemon"] == "true"
    socket_path = str(tmp_path / "run" / "supervisor.sock")
    assert make_run_config["unix_http_server"]["file"] == socket_path
    assert make_run_config["supervisorctl"]["serverurl"] == f"unix://{socket_path}"


def test_the_make_run_target_starts_the_procfile_under_supervisord():
    dry_run = subprocess.run(["make", "-n", "run"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert "shared.supervision run deploy/Procfile" in dry_run.stdout
    assert "honcho" not in dry_run.stdout


def test_a_procfile_command_takes_the_environment_or_its_default():
    command = "sim --speed ${CREW_SPEED:-demo} --port ${PORT} --home $HOME_DIR"
    assert expand(command, {}) == "sim --speed demo --port  --home "
    assert expand(command, {"CREW_SPEED": "fast", "PORT": "9001", "HOME_DIR": "/h"}) == \
        "sim --speed fast --port 9001 --home /h"


def test_the_demo_crew_speed_can_be_changed_from_the_environment():
    programs = {p.name: p for p in procfile_programs(PROCFILE, environ={"CREW_SPEED": "fast"})}
    assert programs["streets"].argv[-2:] == ("--crew-speed", "fast")


def test_a_procfile_line_without_a_name_is_refused_with_its_line_number(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: python -m http.server\n\njust a command\n")
    with pytest.raises(ValueError, match=r"Procfile:3: expected 'name: command'"):
        procfile_programs(procfile)


def test_percent_signs_and_quotes_survive_supervisords_own_expansion(tmp_path):
    program = Program("p", ["python", "-c", "print('100%')"], env={"GREETING": 'say "hi" 50%'})
    options = _parsed(render_config([program], tmp_path, tmp_path))["program:p"]
    assert options["command"] == "python -c 'print('\"'\"'100%%'\"'\"')'"
    assert options["environment"] == 'GREETING="say \\"hi\\" 50%%"'


def test_a_run_folder_too_deep_for_a_unix_socket_is_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="too long for a unix socket"):
        render_config([], tmp_path / ("x" * 120), tmp_path)


def test_the_production_procfile_runs_the_five_services_and_no_simulator(tmp_path):
    programs = procfile_programs(PROJECT_ROOT / "deploy" / "Procfile.production", environ={}, cwd="/opt/city311")
    assert [p.name for p in programs] == ["intake", "routing", "workorders", "notifications", "metrics"]
    assert all(p.restart and p.argv[0] == "/opt/city311/.venv/bin/nameko" for p in programs)
    assert _parsed(render_config(programs, tmp_path, tmp_path, foreground=False))["supervisord"]["nodaemon"] == "false"


def test_the_systemd_unit_restarts_a_service_with_a_delay_and_a_start_limit():
    unit = configparser.RawConfigParser(strict=False)
    unit.optionxform = str   # systemd keys are case-sensitive
    unit.read(PROJECT_ROOT / "deploy" / "systemd" / "city311@.service")
    assert unit["Service"]["Restart"] == "always" and unit["Service"]["RestartSec"] == "2s"
    assert int(unit["Unit"]["StartLimitBurst"]) > 1 and int(unit["Unit"]["StartLimitIntervalSec"]) > 0
    assert unit["Service"]["ExecStart"].endswith("services.%i.service")
