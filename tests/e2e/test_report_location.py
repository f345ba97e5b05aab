"""The report form's "Use my location" in chromium: the browser's position fills the point, the nearest known
address is shown back before the form is sent, and a refused permission says what to do instead."""
import pytest

# 47 Peachtree St SE in the sample gazetteer is at 33.750066, -84.386745; the browser reports a point ~20 m east
NEAR_47_PEACHTREE = {"latitude": 33.750066, "longitude": -84.386545}


@pytest.fixture
def located(browser):
    """A page whose browser may locate the visitor, at NEAR_47_PEACHTREE."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, geolocation=NEAR_47_PEACHTREE,
                                  permissions=["geolocation"])
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def open_pothole_form(page, intake):
    page.goto(intake.url("/"))
    page.get_by_role("link", name="Report a problem").first.click()
    page.get_by_role("link", name="Pothole").click()


def test_use_my_location_fills_the_point_and_shows_the_nearest_address(intake, located):
    open_pothole_form(located, intake)
    located.get_by_role("button", name="Use my location").click()
    chosen = located.locator("#chosen-place")
    chosen.get_by_text("47 Peachtree St SE").wait_for()
    assert (located.input_value("#lat"), located.input_value("#long")) == ("33.750066", "-84.386545")
    assert chosen.inner_text() == "Chosen place: near 47 Peachtree St SE (33.750066, -84.386545)"


def test_a_refused_location_says_to_type_the_address_or_click_the_map(intake, page):
    page.context.clear_permissions()     # the browser asks; headless chromium answers "denied"
    open_pothole_form(page, intake)
    page.get_by_role("button", name="Use my location").click()
    page.locator("#chosen-place").get_by_text("could not be found").wait_for()
    assert "Type the address or click the map instead." in page.locator("#chosen-place").inner_text()
    assert page.input_value("#lat") == "" and page.input_value("#long") == ""
