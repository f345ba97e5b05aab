"""A RabbitMQ vhost of its own for a test session, so tests never meet a running `make run`."""
import os
import shutil
import subprocess
import uuid
import warnings
from contextlib import contextmanager
from urllib.parse import quote, urlparse, urlunparse

import requests

from shared.messaging.broker import rabbitmqctl_argv

BASE_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@localhost:5672/")


def _with_vhost(uri, vhost):
    parsed = urlparse(uri)
    return urlunparse(parsed._replace(path="/" + quote(vhost, safe="")))


def _rabbitmqctl(*args):
    return subprocess.run([*rabbitmqctl_argv(BASE_URI), *args], capture_output=True, text=True, timeout=60)


def _management(method, path, uri):
    parsed = urlparse(uri)
    url = f"http://{parsed.hostname}:15672/api/{path}"
    response = requests.request(method, url, auth=(parsed.username or "guest", parsed.password or "guest"),
                                json={"configure": ".*", "write": ".*", "read": ".*"}
                                if "permissions" in path else None, timeout=10)
    response.raise_for_status()


def _create(vhost, uri):
    user = urlparse(uri).username or "guest"
    if shutil.which(rabbitmqctl_argv(BASE_URI)[0]) and urlparse(uri).hostname in ("localhost", "127.0.0.1"):
        if _rabbitmqctl("add_vhost", vhost).returncode == 0:
            _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
            return lambda: _rabbitmqctl("delete_vhost", vhost)
    try:
        _management("PUT", f"vhosts/{quote(vhost, safe='')}", uri)
        _management("PUT", f"permissions/{quote(vhost, safe='')}/{user}", uri)
        return lambda: _management("DELETE", f"vhosts/{quote(vhost, safe='')}", uri)
    except requests.RequestException:
        return None


@contextmanager
def isolated_vhost(uri=BASE_URI):
    """Yield an AMQP URI on a fresh vhost (deleted afterwards); the given vhost if none can be made."""
    vhost = f"city311-test-{uuid.uuid4().hex[:8]}"
    delete = _create(vhost, uri)
    if delete is None:
        warnings.warn("could not create a test vhost (no rabbitmqctl, no management API): "
                      "tests share the broker's vhost with anything else running")
        yield uri
        return
    try:
        yield _with_vhost(uri, vhost)
    finally:
        delete()
