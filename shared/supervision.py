"""Run city311's processes under supervisord: one process down is one process down.

`render_config` turns a list of `Program`s into a supervisord configuration:
every program restarted when it exits (a one-shot program excepted), killed
with its whole process group, its output in `<log_dir>/<name>.log`, and
supervisord answering `supervisorctl` and XML-RPC on a unix socket in
`run_dir`. `Supervisord` starts one in the foreground and reads program states
through that socket. `make run` renders deploy/Procfile with it:

    python -m shared.supervision run deploy/Procfile --run-dir var/run --log-dir var/log
    python -m shared.supervision render deploy/Procfile --run-dir /run/city311 --log-dir /var/log/city311
"""
import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import xmlrpc.client  # nosec B411: talks only to our own supervisord over its unix socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport

from shared.config import PROJECT_ROOT

CONFIG_NAME = "supervisord.conf"
SOCKET_NAME = "supervisor.sock"
# A unix socket's path must fit in sun_path (108 bytes on Linux).
MAX_SOCKET_PATH = 107
# A program that dies within START_SECONDS of its start waits 1 s, 2 s, 3 s... (supervisord's own
# back-off) before the next try, START_RETRIES times (about 7 minutes) before supervisord gives up on
# it (FATAL, in the log). One that ran longer is restarted at once: it was serving.
START_SECONDS = 5
START_RETRIES = 30
STOP_WAIT_SECONDS = 20   # nameko finishes its workers on SIGTERM; then SIGKILL to the group


@dataclass(frozen=True)
class Program:
    """One supervised program: its name, its command (an argv list), extra environment, working directory.

    `restart=False` marks a one-shot program (it does its job and exits 0; not restarted);
    `to_terminal=True` sends its output to supervisord's stdout instead of its log file.
    """
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    cwd: str | None = None
    restart: bool = True
    to_terminal: bool = False


def render_config(programs, run_dir, log_dir, foreground=True):
    """A supervisord configuration (text) running `programs`, its socket and pid file in `run_dir`."""
    run_dir, log_dir = Path(run_dir).resolve(), Path(log_dir).resolve()
    socket_path = run_dir / SOCKET_NAME
    if len(str(socket_path)) > MAX_SOCKET_PATH:
        raise ValueError(f"run directory path too long for a unix socket: {socket_path}")
    sections = [
        ("unix_http_server", {"file": socket_path, "chmod": "0700"}),
        ("supervisord", {"nodaemon": str(foreground).lower(), "logfile": log_dir / "supervisord.log",
                         "pidfile": run_dir / "supervisord.pid", "childlogdir": log_dir, "loglevel": "info"}),
        ("rpcinterface:supervisor", {"supervisor.rpcinterface_factory":
                                     "supervisor.rpcinterface:make_main_rpcinterface"}),
        ("supervisorctl", {"serverurl": f"unix://{socket_path}"}),
        *((f"program:{program.name}", _program_options(program, log_dir)) for program in programs),
    ]
    return "\n".join(f"[{title}]\n" + "".join(f"{key}={_escape(value)}\n" for key, value in options.items())
                     for title, options in sections)


def _program_options(program, log_dir):
    options = {"command": shlex.join(program.argv), "autostart": "true", "startsecs": START_SECONDS,
               "startretries": START_RETRIES, "stopsignal": "TERM", "stopwaitsecs": STOP_WAIT_SECONDS,
               "stopasgroup": "true", "killasgroup": "true", "redirect_stderr": "true"}
    if program.restart:
        options["autorestart"] = "true"
    else:  # done when it exits 0; an error exit is reported, not retried in a loop
        options.update(autorestart="false", startsecs=0, exitcodes=0)
    if program.to_terminal:
        options.update(stdout_logfile="/dev/stdout", stdout_logfile_maxbytes=0)
    else:
        options.update(stdout_logfile=log_dir / f"{program.name}.log", stdout_logfile_maxbytes="50MB",
                       stdout_logfile_backups=5)
    if program.cwd:
        options["directory"] = Path(program.cwd).resolve()
    if program.env:
        options["environment"] = ",".join(f'{key}="{_quoted(value)}"' for key, value in program.env.items())
    return options


def _quoted(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"')


def _escape(value):
    """supervisord expands %(name)s in its values: a literal % is written %%."""
    return str(value).replace("%", "%%")


# -- the Procfile: `name: command`, ${VAR:-default} expanded from the environment ---------------------
_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)")


def expand(command, environ):
    """The shell's ${VAR:-default}, ${VAR} and $VAR expansions, and nothing else."""
    def value(match):
        name = match.group(1) or match.group(3)
        return environ.get(name) or (match.group(2) or "")
    return _VARIABLE.sub(value, command)


def procfile_programs(path, environ=None, cwd=None, one_shot=("announce",)):
    """The programs of a Procfile; those named in `one_shot` run once and show their output on the terminal."""
    environ = os.environ if environ is None else environ
    programs = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, separator, command = line.partition(":")
        if not separator or not re.fullmatch(r"[\w-]+", name.strip()):
            raise ValueError(f"{path}:{number}: expected 'name: command', got {line!r}")
        once = name.strip() in one_shot
        programs.append(Program(name.strip(), _rooted(shlex.split(expand(command, environ)), cwd), cwd=cwd,
                                restart=not once, to_terminal=once))
    return programs


def _rooted(argv, cwd):
    """supervisord looks a relative program path up from its own folder: make `.venv/bin/x` absolute."""
    program = Path(argv[0])
    if cwd and len(program.parts) > 1 and not program.is_absolute():
        return (str(Path(cwd).resolve() / program), *argv[1:])
    return tuple(argv)


# -- a running supervisord ----------------------------------------------------------------------------
def rpc(run_dir):
    """An XML-RPC proxy to the supervisord whose socket is in `run_dir` (`.supervisor.getProcessInfo(name)`...)."""
    socket_url = f"unix://{Path(run_dir).resolve() / SOCKET_NAME}"
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(serverurl=socket_url))


class Supervisord:
    """supervisord in the foreground on a rendered configuration, as a child of this process."""

    def __init__(self, programs, run_dir, log_dir):
        self.run_dir, self.log_dir = Path(run_dir), Path(log_dir)
        self.config_path = self.run_dir / CONFIG_NAME
        self.programs = programs
        self.popen = None

    def start(self, timeout=30):
        """Write the configuration, start supervisord and wait until it answers on its socket."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(render_config(self.programs, self.run_dir, self.log_dir), encoding="utf-8")
        self.popen = subprocess.Popen([*_supervisord_argv(), "-c", str(self.config_path)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait(lambda: rpc(self.run_dir).supervisor.getState()["statename"] == "RUNNING",
                   timeout, "supervisord to answer")
        return self

    def info(self, name):
        """supervisord's view of one program: statename, pid, exitstatus, spawnerr..."""
        return rpc(self.run_dir).supervisor.getProcessInfo(name)

    def wait_for_state(self, name, state, timeout=60, unlike_pid=None):
        """Wait until `name` is in `state` (e.g. "RUNNING"), with a pid other than `unlike_pid`; its info."""
        def reached():
            info = self.info(name)
            return info if info["statename"] == state and info["pid"] != unlike_pid else None
        return self._wait(reached, timeout, f"{name} to be {state}")

    def stop(self, timeout=60):
        """SIGTERM, as an operator's Ctrl-C would: supervisord stops every program, then exits."""
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            self.popen.wait(timeout)
        return self.popen.returncode

    def _wait(self, probe, timeout, what):
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"supervisord exited ({self.popen.returncode}) waiting for {what}")
            try:
                last = probe()
            except (OSError, xmlrpc.client.Fault) as exc:  # not listening yet; unknown program yet
                last = exc
            else:
                if last:
                    return last
            time.sleep(0.2)
        raise TimeoutError(f"gave up after {timeout}s waiting for {what}; last saw {last!r}")


def _supervisord_argv():
    return [sys.executable, "-m", "supervisor.supervisord"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m shared.supervision", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["run", "render"],
                        help="run: supervisord in the foreground; render: print the configuration")
    parser.add_argument("procfile")
    parser.add_argument("--run-dir", default="var/run")
    parser.add_argument("--log-dir", default="var/log")
    parser.add_argument("--project-dir", default=str(PROJECT_ROOT),
                        help="where the programs run, and relative paths in the Procfile start (default: %(default)s)")
    args = parser.parse_args(argv)
    programs = procfile_programs(args.procfile, cwd=args.project_dir)
    if args.action == "render":
        print(render_config(programs, args.run_dir, args.log_dir, foreground=False), end="")
        return
    for folder in (args.run_dir, args.log_dir):
        os.makedirs(folder, exist_ok=True)
    config_path = Path(args.run_dir) / CONFIG_NAME
    config_path.write_text(render_config(programs, args.run_dir, args.log_dir), encoding="utf-8")
    # exec: supervisord takes this process's place, so Ctrl-C and SIGTERM reach it directly
    os.execv(sys.executable, [*_supervisord_argv(), "-c", str(config_path)])


if __name__ == "__main__":
    main()
