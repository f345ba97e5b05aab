"""Operations staff watch the queues and handle dead letters on /console/operations, in a real browser; a call-taker
may not open it. Intake runs alone on its own vhost; a poison message published by the test is the dead letter."""
import uuid

import pytest

from shared.messaging.deadletters import discarded, list_dead_letters
from tests.support.bus import publish_raw
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration   # a real broker and its management API, and chromium


def sign_in(page, intake, username, password, lands_on):
    page.goto(intake.url("/console/signin"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")
    page.wait_for_url(f"**{lands_on}")


def poison(intake):
    """A RequestRouted that breaks its contract: intake dead-letters it with the reason; returns its id."""
    marker = f"poison-{uuid.uuid4().hex[:8]}"
    publish_raw(intake.amqp_uri, "routing", "RequestRouted", {"event_id": marker, "event_type": "RequestRouted",
                                                              "data": {"department": 42}})
    wait_until(lambda: [d for d in list_dead_letters("intake.dlq", intake.amqp_uri) if d["id"] == marker], 60,
               what=f"{marker} in intake.dlq")
    return marker


def reload_until(page, selector, what):
    """Reload until `selector` shows (the management API refreshes its figures every few seconds)."""
    def shown():
        page.reload()
        return page.locator(selector).count() > 0
    wait_until(shown, 60, 1, what)


def test_operations_sees_a_poison_message_discards_it_with_a_reason_and_replays_another(intake, page):
    first = poison(intake)
    sign_in(page, intake, "olu", "olu-operations-311!", "/console/operations")
    assert page.locator("#management-error").count() == 0
    reload_until(page, "tr.state-red[data-queue='intake.dlq']", "intake.dlq shown red")
    dlq_row = page.locator("tr[data-queue='intake.dlq']").inner_text()
    assert "dead letters present" in dlq_row
    assert page.locator("tr[data-queue^='evt-routing-RequestRouted--intake.']").count() == 1   # grouped under intake

    letter = page.locator(f"tr[data-letter='{first}']")
    assert "RequestRouted" in letter.inner_text() and "intake.dlq" not in letter.inner_text()
    assert "evt-routing-RequestRouted--intake." in letter.inner_text()    # the failing handler's queue
    letter.get_by_role("button", name="Discard").click()                  # no reason: refused, nothing lost
    assert "say why it is discarded" in page.locator("#form-error").inner_text()
    page.locator(f"tr[data-letter='{first}'] input[name=reason]").fill("test poison, no such department")
    page.locator(f"tr[data-letter='{first}']").get_by_role("button", name="Discard").click()
    assert f"Discarded {first}" in page.locator("#done").inner_text()
    record = page.locator("#discard-records tbody tr", has_text=first).inner_text()
    assert "olu" in record and "test poison, no such department" in record
    assert [r["discarded_by"] for r in discarded(intake.amqp_uri) if r["id"] == first] == ["olu"]
    assert first not in [d["id"] for d in list_dead_letters("intake.dlq", intake.amqp_uri)]

    second = poison(intake)
    page.reload()
    page.locator(f"tr[data-letter='{second}']").get_by_role("button", name="Replay").click()
    assert "Replayed 1 dead letter(s) of intake" in page.locator("#done").inner_text()
    # still poison: back in its work queue, it fails again and comes back (with a fresh attempt count)
    wait_until(lambda: [d for d in list_dead_letters("intake.dlq", intake.amqp_uri) if d["id"] == second], 60,
               what=f"{second} dead-lettered again after its replay")


def test_readiness_of_each_service_is_shown_and_a_call_taker_is_refused(intake, page):
    sign_in(page, intake, "olu", "olu-operations-311!", "/console/operations")
    assert page.locator("tr[data-service=intake]").inner_text().split("\t")[1].startswith("ready")
    for service in ("routing", "workorders", "notifications", "metrics"):     # not running in this test
        assert "not answering" in page.locator(f"tr.state-red[data-service={service}]").inner_text()
    assert "workorders does not answer" in page.locator("#departments-unknown").inner_text()   # said, not guessed
    page.locator("form.inline button.link", has_text="Sign out").click()
    page.wait_for_url("**/console/signin")
    sign_in(page, intake, "ana", "ana-demo-311!", "/console")
    assert page.locator("a[href='/console/operations']").count() == 0
    response = page.goto(intake.url("/console/operations"))
    assert response.status == 403
    assert "Your role (call-taker) may not see the operations console" in page.locator(".error").inner_text()
