"""The broker users' definitions (shared/messaging/users.py): permissions that match only what each may touch."""
import base64
import hashlib
import re
import stat

import pytest

from shared.messaging import users
from shared.messaging.users import definitions, department_codes, integrator_users, password_hash, passwords


def _user(name, all_users):
    return next(user for user in all_users if user.name == name)


def allows(pattern, resource):
    """RabbitMQ matches a permission regex against the resource name (re:run, unanchored unless ^$)."""
    return re.search(pattern, resource) is not None


def test_a_department_may_read_only_its_own_queues_and_write_only_status():
    streets = _user("department-pw-streets", integrator_users(["PW-STREETS", "PW-STREETS-NORTH"], channels=[]))
    assert allows(streets.read, "departments.PW-STREETS") and allows(streets.read, "departments.PW-STREETS.dlq")
    for other in ("departments.PW-STREETS-NORTH", "departments.status.PW-STREETS", "departments.WATERSHED",
                  "xdepartments.PW-STREETS", "departments.PW-STREETS.dlq.x", "metrics.stream"):
        assert not allows(streets.read, other), other
    assert allows(streets.write, "departments.status")
    assert not allows(streets.write, "departments") and not allows(streets.write, "amq.default")
    assert not allows(streets.configure, "departments.PW-STREETS")


def test_a_channel_writes_only_to_channels_events_and_reads_only_its_replies():
    phone = _user("channel-phone", integrator_users([], channels=["phone", "sms"]))
    assert allows(phone.write, "channels.events")
    for other in ("channels.events.x", "departments", "departments.status", "amq.default", ""):
        assert not allows(phone.write, other), other
    for own in ("channels.replies.phone", "channels.replies.phone.desk-1", "amq.gen-Xy12"):
        assert allows(phone.read, own) and allows(phone.configure, own)
    for other in ("channels.replies.phonebook", "channels.replies.sms", "channels.events", "departments.PW-STREETS"):
        assert not allows(phone.read, other), other


def test_analysts_read_the_stream_and_operations_only_monitor():
    everyone = integrator_users([], channels=[], stream_queue="metrics.stream")
    analyst, operations = _user("analyst", everyone), _user("operations", everyone)
    assert allows(analyst.read, "metrics.stream") and not allows(analyst.read, "metrics.streamx")
    assert not allows(analyst.write, "metrics.stream") and not allows(analyst.configure, "metrics.stream")
    assert operations.tags == ("monitoring",)
    assert not any(allows(p, "departments.PW-STREETS") for p in (operations.read, operations.write))


def test_one_user_per_department_of_the_jurisdiction():
    codes = department_codes("deploy/jurisdictions/sample")
    names = {user.name for user in integrator_users(codes)}
    assert {f"department-{code.lower()}" for code in codes} <= names
    assert {"city311", "analyst", "operations", "channel-phone", "channel-sms", "channel-email",
            "channel-mobile"} <= names


def test_the_password_hash_is_rabbitmqs_salted_sha256():
    hashed = base64.b64decode(password_hash("s3cret", salt=b"\x01\x02\x03\x04"))
    assert hashed[:4] == b"\x01\x02\x03\x04"
    assert hashed[4:] == hashlib.sha256(b"\x01\x02\x03\x04s3cret").digest()
    assert password_hash("s3cret") != password_hash("s3cret")   # a fresh salt each time


def test_definitions_carry_hashes_and_per_vhost_permissions():
    everyone = integrator_users(["WATERSHED"], channels=["sms"])
    document = definitions(everyone, "city", {user.name: "pw" for user in everyone})
    assert document["vhosts"] == [{"name": "city"}]
    assert {entry["user"] for entry in document["permissions"]} == {user.name for user in everyone}
    assert all(entry["hashing_algorithm"] == "rabbit_password_hashing_sha256" for entry in document["users"])
    assert "password_hash" not in definitions(everyone, "city")["users"][0]   # `show` prints no hashes


def test_production_takes_every_password_from_the_environment(tmp_path):
    everyone = integrator_users(["WATERSHED"], channels=["sms"])
    environ = {"CITY311_ENVIRONMENT": "production", "CITY311_BROKER_PASSWORD_ANALYST": "a-pw"}
    with pytest.raises(users.MissingPasswords) as missing:
        passwords(everyone, environ, tmp_path / "secrets")
    assert "CITY311_BROKER_PASSWORD_DEPARTMENT_WATERSHED" in str(missing.value.code)
    assert "CITY311_BROKER_PASSWORD_CHANNEL_SMS" in str(missing.value.code)
    assert "CITY311_BROKER_PASSWORD_ANALYST" not in str(missing.value.code)
    environ.update({user.password_variable: f"pw-{user.name}" for user in everyone})
    assert passwords(everyone, environ, tmp_path / "secrets")["department-watershed"] == "pw-department-watershed"
    assert not (tmp_path / "secrets").exists()


def test_development_generates_private_passwords_once(tmp_path):
    everyone = integrator_users(["WATERSHED"], channels=["sms"])
    first = passwords(everyone, {}, tmp_path / "secrets")
    assert passwords(everyone, {}, tmp_path / "secrets") == first
    assert len(set(first.values())) == len(everyone)
    path = tmp_path / "secrets" / "analyst.password"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_apply_leaves_a_broker_it_did_not_start_alone_unless_told(monkeypatch, capsys):
    """`make run` applies the users; on the machine's own RabbitMQ (its administrator's) it says how instead."""
    from shared.messaging import broker
    applied = []
    monkeypatch.setattr(users, "apply", lambda argv, document: applied.append(document))
    monkeypatch.setattr(broker, "rabbitmqctl_argv", lambda uri: ["rabbitmqctl"])
    monkeypatch.setattr(users, "passwords", lambda all_users: {user.name: "pw" for user in all_users})
    monkeypatch.setattr(broker, "local_node_note", lambda uri: None)
    assert users.main(["apply"]) == 0
    assert applied == [] and "--any-broker" in capsys.readouterr().out
    assert users.main(["apply", "--any-broker"]) == 0
    assert len(applied) == 1 and applied[0]["users"]
    monkeypatch.setattr(broker, "local_node_note", lambda uri: {"port": 5672})   # the project's own node
    assert users.main(["apply"]) == 0
    assert len(applied) == 2
