"""Production mode (shared/production.py): every development secret and demo account is refused, by name."""
import re
import shutil

import pytest
import yaml
from argon2 import PasswordHasher

from shared import production
from shared.config import CONFIG_DIR, PROJECT_ROOT
from shared.internal_api import DEVELOPMENT_SERVICE_SECRET

SAMPLE = PROJECT_ROOT / "deploy" / "jurisdictions" / "sample"
ALL_SYSTEMS = ["streets", "watershed", "solidwaste", "forestry", "transportation", "codeenforcement",
               "direct-streets", "direct-watershed"]
LONG = "k3y-of-this-installation-" + "x" * 20

# Every secret of every service set well: production_problems finds nothing (checked below).
GOOD = {
    "CITY311_ENVIRONMENT": "production",
    "AMQP_URI": "amqp://intake:b7f0c2-broker-password@broker.city.internal:5671/city311",
    "CITY311_SERVICE_SECRET": "service-" + LONG,
    "INTAKE_WEB_SECRET_KEY": "web-" + LONG,
    "NOTIFICATIONS_SECRET_KEY": "links-" + LONG,
    "SMS_GATEWAY_API_KEY": "vendor-issued-key-8841",
    "SMS_INBOUND_KEY": "vendor-inbound-key-1177",
    "OPEN311_API_KEYS": "a1b2c3d4e5=city311-web,f6g7h8=fixmystreet",
    "SECURE_COOKIES": "true",
    "INTAKE_UPLOAD_DIR": "/mnt/city311-uploads",   # storage every intake instance mounts
    "STREETS_PASSWORD": "streets-password-of-the-city",
    "WATERSHED_PASSWORD": "watershed-password-of-the-city",
    "FORESTRY_DATABASE_URL": "mysql+pymysql://city311:forestry-pw@db.forestry.internal:3306/forestry",
    "TRANSPORTATION_AMQP_URI": "amqp://city311:transport-pw@mq.transportation.internal:5671/transportation",
    "CODEENFORCEMENT_CLIENT_SECRET": "client-secret-of-the-city",
    "CODEENFORCEMENT_WEBHOOK_SECRET": "webhook-" + LONG,
}


@pytest.fixture
def jurisdiction(tmp_path):
    """The sample jurisdiction without its demo staff accounts, as a city would ship it."""
    folder = tmp_path / "jurisdiction"
    shutil.copytree(SAMPLE, folder)
    (folder / "staff.yaml").write_text("staff: []\n")
    return folder


def problems(service, environ, jurisdiction):
    settings = {"JURISDICTION_DIR": str(jurisdiction)}
    if service == "workorders":   # the only service with department systems
        settings["WORK_ORDER_SYSTEMS"] = ALL_SYSTEMS
    return production.production_problems(service, settings, environ)


@pytest.mark.parametrize("service", ["intake", "routing", "workorders", "notifications", "metrics"])
def test_every_service_starts_with_secrets_from_the_environment(service, jurisdiction):
    assert problems(service, GOOD, jurisdiction) == []
    production.enforce(service, {"JURISDICTION_DIR": str(jurisdiction), "WORK_ORDER_SYSTEMS": ALL_SYSTEMS}, GOOD)


@pytest.mark.parametrize("service", ["intake", "routing", "workorders", "notifications", "metrics"])
def test_nothing_is_checked_in_development(service):
    production.enforce(service, {"JURISDICTION_DIR": str(SAMPLE), "WORK_ORDER_SYSTEMS": ALL_SYSTEMS}, {})
    production.enforce(service, {"JURISDICTION_DIR": str(SAMPLE)}, {"CITY311_ENVIRONMENT": "development"})


# (service, variable, refused value or None for unset, words the problem must hold)
REFUSED = [
    ("intake", "CITY311_SERVICE_SECRET", None, "not set"),
    ("routing", "CITY311_SERVICE_SECRET", DEVELOPMENT_SERVICE_SECRET, "development default"),
    ("routing", "CITY311_SERVICE_SECRET", "short-secret", "shorter than 32"),
    ("intake", "INTAKE_WEB_SECRET_KEY", None, "not set"),
    ("intake", "SECURE_COOKIES", None, "must be true"),
    ("intake", "SECURE_COOKIES", "false", "must be true"),
    ("intake", "OPEN311_API_KEYS", None, "not set"),
    ("intake", "OPEN311_API_KEYS", "dev-web-key=city311-web,new-key=fixmystreet",
     "development key(s) of the jurisdiction file: dev-web-key"),
    ("intake", "AMQP_URI", None, "not set"),
    ("metrics", "AMQP_URI", "amqp://guest:guest@localhost:5672/", "guest:guest"),
    ("routing", "AMQP_URI", "amqp://localhost:5672/", "guest"),
    ("notifications", "AMQP_URI", "amqp://notifications@localhost:5672/", "development account"),
    ("notifications", "NOTIFICATIONS_SECRET_KEY", "dev-only-notifications-secret", "development default"),
    ("notifications", "NOTIFICATIONS_SECRET_KEY", None, "not set"),
    ("notifications", "SMS_GATEWAY_API_KEY", "dev-sms-key", "development default"),
    ("notifications", "SMS_INBOUND_KEY", "dev-sms-webhook-key", "development default"),
    ("notifications", "SMS_INBOUND_KEY", None, "not set"),
    ("notifications", "SMTP_PASSWORD", "city311-dev", "development default"),
    ("workorders", "CODEENFORCEMENT_WEBHOOK_SECRET", "city311-dev-webhook-secret", "development default"),
    ("workorders", "CODEENFORCEMENT_WEBHOOK_SECRET", None, "not set"),
    ("workorders", "CODEENFORCEMENT_CLIENT_SECRET", "city311-dev", "development default"),
    ("workorders", "STREETS_PASSWORD", "city311-dev", "development default"),
    ("workorders", "WATERSHED_PASSWORD", None, "not set"),
    ("workorders", "FORESTRY_DATABASE_URL", "sqlite:///var/legacy/forestry/interface.sqlite3", "development default"),
    ("workorders", "TRANSPORTATION_AMQP_URI", "amqp://guest:guest@localhost:5672/transportation", "guest:guest"),
    # any service's development value is refused anywhere, not only its own default
    ("workorders", "STREETS_PASSWORD", "dev-sms-key", "development default"),
]


@pytest.mark.parametrize("service, variable, value, words", REFUSED,
                         ids=[f"{s}-{v}-{'unset' if x is None else x[:20]}" for s, v, x, _ in REFUSED])
def test_each_development_default_is_refused_by_name(service, variable, value, words, jurisdiction):
    environ = {k: v for k, v in GOOD.items() if k != variable}
    if value is not None:
        environ[variable] = value
    [problem] = problems(service, environ, jurisdiction)
    assert problem.startswith(variable) and words in problem


def test_every_problem_is_named_at_once_in_the_exit_message(jurisdiction):
    environ = {**GOOD, "CITY311_SERVICE_SECRET": DEVELOPMENT_SERVICE_SECRET, "SECURE_COOKIES": "false"}
    del environ["INTAKE_WEB_SECRET_KEY"]
    with pytest.raises(production.ProductionRefused) as refused:
        production.enforce("intake", {"JURISDICTION_DIR": str(jurisdiction)}, environ)
    message = str(refused.value.code)
    assert message.startswith("intake refuses to start in production (CITY311_ENVIRONMENT=production): 3 setting(s)")
    for name in ("CITY311_SERVICE_SECRET", "SECURE_COOKIES", "INTAKE_WEB_SECRET_KEY"):
        assert f"  - {name}" in message
    assert isinstance(refused.value, SystemExit)   # nameko run exits 1 with the message, no traceback


def test_intake_refuses_production_without_an_upload_folder_every_instance_shares(jurisdiction):
    environ = {k: v for k, v in GOOD.items() if k != "INTAKE_UPLOAD_DIR"}
    [problem] = problems("intake", environ, jurisdiction)
    assert problem.startswith("INTAKE_UPLOAD_DIR (UPLOAD_DIR) is not set:")
    assert "var/uploads" in problem and "every intake instance" in problem
    assert problems("intake", {**environ, "INTAKE_UPLOAD_DIR": " "}, jurisdiction) == [problem]
    for service in ("routing", "workorders", "notifications", "metrics"):   # photos are intake's alone
        assert problems(service, environ, jurisdiction) == []


def test_the_sample_demo_staff_accounts_are_refused():
    [problem] = problems("intake", GOOD, SAMPLE)
    assert "demo staff account(s) ana, sam, lee" in problem and str(SAMPLE / "staff.yaml") in problem


def test_a_demo_password_hashed_anew_is_still_a_demo_account(tmp_path):
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # cheap: verify reads them from the hash
    staff = {"staff": [
        {"username": "lee", "display_name": "Lee", "role": "supervisor",
         "password_hash": hasher.hash("lee-supervisor-311!")},
        {"username": "ana", "display_name": "Ana", "role": "call_taker",
         "password_hash": hasher.hash("a real password of ana's")},
        {"username": "kim", "display_name": "Kim", "role": "administrator",
         "password_hash": hasher.hash("kim's own")},
    ]}
    (tmp_path / "staff.yaml").write_text(yaml.safe_dump(staff))
    assert production.demo_staff_accounts(tmp_path / "staff.yaml") == ["lee"]


def test_a_secret_written_into_the_config_file_is_refused(tmp_path, jurisdiction):
    config = tmp_path / "routing.yaml"
    config.write_text((CONFIG_DIR / "routing.yaml").read_text().replace(
        "SERVICE_SECRET: ${CITY311_SERVICE_SECRET:}", f"SERVICE_SECRET: {LONG}"))
    found = production.production_problems("routing", {"JURISDICTION_DIR": str(jurisdiction)}, GOOD, config)
    assert found == ["SERVICE_SECRET is written into the config file: in production it must come from an "
                     "environment variable"]


def test_an_unknown_environment_is_refused():
    with pytest.raises(production.EnvironmentSettingError, match="CITY311_ENVIRONMENT='prod': expected one of"):
        production.environment({"CITY311_ENVIRONMENT": "prod"})
    with pytest.raises(SystemExit, match="routing refuses to start: CITY311_ENVIRONMENT='staging'"):
        production.enforce("routing", {}, {"CITY311_ENVIRONMENT": "staging"})


def test_open311_discovery_type_follows_the_environment():
    assert production.open311_endpoint_type({}) == "test"
    assert production.open311_endpoint_type({"CITY311_ENVIRONMENT": "development"}) == "test"
    assert production.open311_endpoint_type({"CITY311_ENVIRONMENT": "Production"}) == "production"


SECRET_LOOKING = re.compile(r"SECRET|PASSWORD|_KEY|KEYS|AMQP_URI|DATABASE_URL|TOKEN", re.IGNORECASE)


def test_every_secret_looking_setting_is_checked_in_production():
    """A new secret in a config file cannot slip past production mode unnoticed."""
    unchecked = []
    for path in sorted(CONFIG_DIR.glob("*.yaml")):
        for key, (env_var, _default) in production.placeholders(path).items():
            if SECRET_LOOKING.search(key) and key not in production.SERVICE_SECRETS and key != "DATABASE_URL":
                unchecked.append(f"{path.name}: {key}")
    for path in sorted(production.SYSTEMS_DIR.glob("*.yaml")):
        for key in production.placeholders(path):
            if SECRET_LOOKING.search(key) and key not in production.SYSTEM_SECRETS and not key.endswith("_path"):
                unchecked.append(f"{path.name}: {key}")
    assert unchecked == []
