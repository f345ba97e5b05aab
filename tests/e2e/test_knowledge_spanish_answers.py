"""A call-taker answering a Spanish-speaking caller: searches in Spanish words, reads the answer in Spanish."""
import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.integration   # a real broker, and chromium


def test_a_spanish_word_finds_the_answer_in_spanish(intake, page):
    sign_in(page, intake)
    page.fill("#q", "colchón viejo")
    page.press("#q", "Enter")
    first = page.locator(".answer").first
    first.wait_for()
    assert first.locator("h3").inner_text() == "How do I get furniture or a mattress picked up?"
    spanish = first.locator("[data-lang=es]")
    assert spanish.is_visible()
    assert spanish.locator("h4").inner_text() == "¿Cómo hago para que recojan muebles o un colchón?"
    assert "La recogida de objetos grandes es gratuita" in spanish.inner_text()
    assert spanish.get_attribute("lang") == "es"

    # The console in Spanish (the language cookie): the Spanish text comes first.
    page.goto(intake.url("/language/es?next=/console"))
    page.fill("#q", "¿Qué día recogen la basura?")
    page.press("#q", "Enter")
    page.wait_for_url("**/console?q=*")
    first = page.locator(".answer").first
    first.wait_for()
    assert first.locator("h3").inner_text() == "¿Qué día recogen mi basura?"
    assert first.locator(".answer-text").first.get_attribute("lang") == "es"
    assert "En español" in first.inner_text()
