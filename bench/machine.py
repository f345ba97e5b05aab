"""What the figures were measured on: cores, memory, CPU model, Python, RabbitMQ, load before the run."""
import os
import platform
import subprocess

import psutil

from bench.connect import blocking_connection


def machine_info(amqp_uri):
    return {
        "cpu_model": _cpu_model(), "logical_cores": psutil.cpu_count(), "physical_cores": psutil.cpu_count(False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), "os": platform.platform(),
        "python": platform.python_version(), "rabbitmq": _rabbitmq_version(amqp_uri),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "git_commit": _git("rev-parse", "--short", "HEAD"), "git_dirty": bool(_git("status", "--porcelain")),
    }


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _rabbitmq_version(amqp_uri):
    try:
        connection = blocking_connection(amqp_uri)
        version = connection._impl.server_properties.get("version", b"?")
        connection.close()
        return version.decode() if isinstance(version, bytes) else str(version)
    except Exception as exc:
        return f"unknown ({type(exc).__name__})"


def _git(*args):
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
