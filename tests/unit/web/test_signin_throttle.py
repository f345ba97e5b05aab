"""Sign-in is throttled per account and per client address: repeated failures lock for a while, growing each
time; every attempt is logged with the account and the client's address, never the password."""
from datetime import datetime, timedelta, timezone

from services.intake.web.models import SignInFailures
from services.intake.web.signin_throttle import ThrottlePolicy, locked_for, record_failure
from tests.unit.web.harness import DEMO_PASSWORD, web_client

ATTACKER, OFFICE = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "198.51.100.20"}


def attempt(client, username, password, address):
    return client.form_post("/console/signin", "/console/signin", {"username": username, "password": password,
                                                                    "next": "/console"}, environ_overrides=address)


def text(response):
    return response.get_data(as_text=True)


def test_after_30_wrong_passwords_the_right_one_is_refused_while_the_account_is_locked(tmp_path, caplog):
    client, uow = web_client(tmp_path)
    answers = [attempt(client, "ana", f"guess-{n}", ATTACKER).status_code for n in range(30)]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    right = attempt(client, "ana", DEMO_PASSWORD, ATTACKER)
    assert right.status_code == 429 and "Too many failed sign-ins. Try again in" in text(right)
    assert "c311_staff" not in right.headers.get("Set-Cookie", "")
    # the account is locked from everywhere, not only from the guessing address
    assert attempt(client, "ana", DEMO_PASSWORD, OFFICE).status_code == 429

    with uow() as u:      # the lock runs out (moved into the past rather than waited for)
        for row in u.session.query(SignInFailures):
            row.locked_until = datetime.now(timezone.utc) - timedelta(seconds=1)
    assert attempt(client, "ana", DEMO_PASSWORD, OFFICE).status_code == 303
    with uow() as u:
        assert u.session.get(SignInFailures, "account:ana") is None     # a good sign-in forgives the account
        assert u.session.get(SignInFailures, "address:203.0.113.7").failures == 5   # not the guessing address

    logged = caplog.text
    assert "'account': 'ana', 'client': '203.0.113.7'" in logged and "locked after repeated failures" in logged
    assert "wrong username or password" in logged
    assert "staff signed in" in logged and "'client': '198.51.100.20'" in logged
    assert "guess-" not in logged and DEMO_PASSWORD not in logged


def test_one_address_guessing_many_accounts_is_locked_out_for_all_of_them(tmp_path):
    client, _ = web_client(tmp_path)
    for n in range(20):
        assert attempt(client, f"user{n}", "not-the-password", ATTACKER).status_code == 401
    assert attempt(client, "sam", "sam-demo-311!", ATTACKER).status_code == 429
    assert attempt(client, "sam", "sam-demo-311!", OFFICE).status_code == 303     # another address may


def test_each_failure_past_the_free_ones_doubles_the_lock_up_to_the_limit(tmp_path):
    _, uow = web_client(tmp_path)
    policy, now = ThrottlePolicy(), datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    locks = []
    with uow() as u:
        for _ in range(12):
            record_failure(u.session, "lee", "192.0.2.1", policy, now)
            locks.append(locked_for(u.session, "lee", "192.0.2.9", now))    # the account's lock alone
    assert locks[:4] == [0, 0, 0, 0]
    assert locks[4:9] == [30, 60, 120, 240, 480] and locks[9:] == [900, 900, 900]
    with uow() as u:      # an hour after the last failure they are forgotten
        later = now + timedelta(hours=1, seconds=1)
        record_failure(u.session, "lee", "192.0.2.1", policy, later)
        assert locked_for(u.session, "lee", "192.0.2.9", later) == 0
