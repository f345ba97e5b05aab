"""A real intake process in production mode: refused with a development secret, started with proper ones."""
import os
import shutil
import subprocess
import uuid
from urllib.parse import quote, urlparse, urlunparse

import pytest
import requests

from shared.internal_api import DEVELOPMENT_SERVICE_SECRET
from shared.messaging import broker
from shared.messaging.users import BrokerUser, apply, definitions, vhost_of
from shared.persistence.migrations import upgrade
from tests.support.broker import BASE_URI, isolated_vhost
from tests.support.processes import NAMEKO, ROOT, free_port, nameko_process

pytestmark = pytest.mark.integration
SECRET = "of-this-installation-" + "s" * 24


@pytest.fixture(scope="module")
def service_uri():
    """A vhost of its own and a broker user (not guest) with the services' permissions on it."""
    if shutil.which(broker.rabbitmqctl_argv(BASE_URI)[0]) is None:
        pytest.skip("no rabbitmqctl to make a broker user with")
    with isolated_vhost() as uri:
        user = BrokerUser(f"t{uuid.uuid4().hex[:6]}-city311", "services", ".*", ".*", ".*")
        password = uuid.uuid4().hex
        apply(broker.rabbitmqctl_argv(BASE_URI), definitions([user], vhost_of(uri), {user.name: password}))
        parsed = urlparse(uri)
        try:
            netloc = f"{quote(user.name)}:{password}@{parsed.hostname}:{parsed.port or 5672}"
            yield urlunparse(parsed._replace(netloc=netloc))
        finally:
            subprocess.run([*broker.rabbitmqctl_argv(BASE_URI), "delete_user", user.name],
                           capture_output=True, timeout=60)


@pytest.fixture
def production_env(tmp_path, service_uri):
    jurisdiction = tmp_path / "city"
    shutil.copytree(ROOT / "deploy" / "jurisdictions" / "sample", jurisdiction)
    (jurisdiction / "staff.yaml").write_text("staff: []\n")   # a real city ships no demo accounts
    database = f"sqlite:///{tmp_path / 'intake.sqlite'}"
    upgrade("intake", database)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CITY311_")}
    env.update(PYTHONPATH=str(ROOT), CITY311_ENVIRONMENT="production", AMQP_URI=service_uri,
               INTAKE_DATABASE_URL=database, INTAKE_HTTP_ADDRESS=f"127.0.0.1:{port}",
               CITY311_JURISDICTION=str(jurisdiction), INTAKE_UPLOAD_DIR=str(tmp_path / "uploads"),
               CITY311_SERVICE_SECRET="service-" + SECRET, INTAKE_WEB_SECRET_KEY="web-" + SECRET,
               OPEN311_API_KEYS="k-" + uuid.uuid4().hex + "=city311-web", SECURE_COOKIES="true")
    return env, port


def test_a_development_secret_stops_production_start_up_naming_every_setting(production_env):
    env, _port = production_env
    env = dict(env, CITY311_SERVICE_SECRET=DEVELOPMENT_SERVICE_SECRET, SECURE_COOKIES="false")
    done = subprocess.run([NAMEKO, "run", "--config", "deploy/config/intake.yaml", "services.intake.service"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "intake refuses to start in production (CITY311_ENVIRONMENT=production): 2 setting(s) to fix" in said
    assert "- CITY311_SERVICE_SECRET (SERVICE_SECRET) is a development default" in said
    assert "- SECURE_COOKIES must be true in production" in said
    assert "Traceback" not in said


def test_production_starts_with_its_own_secrets_and_says_so_in_discovery(production_env, tmp_path):
    env, port = production_env
    intake = nameko_process("intake", env, port, tmp_path)
    try:
        intake.start(wait=True)
        found = requests.get(f"http://127.0.0.1:{port}/open311/discovery.json", timeout=10).json()
        assert [endpoint["type"] for endpoint in found["endpoints"]] == ["production"]
    finally:
        intake.stop()
