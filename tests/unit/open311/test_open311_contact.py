"""Email addresses and phone numbers: common formats accepted, stored normalised."""
import pytest

from services.intake.open311.contact import normalise_email, normalise_phone
from services.intake.open311.errors import Open311Error


@pytest.mark.parametrize(
    "given, stored",
    [
        ("(404) 555-0123", "+14045550123"),
        ("404-555-0123", "+14045550123"),
        ("404.555.0123", "+14045550123"),
        ("404 555 0123", "+14045550123"),
        ("4045550123", "+14045550123"),
        ("1-404-555-0123", "+14045550123"),
        ("1 (404) 555-0123", "+14045550123"),
        ("+1 404 555 0123", "+14045550123"),
        ("+1-404-555-0123", "+14045550123"),
        (" 404/555-0123 ", "+14045550123"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+49 (0)30 1234567", "+490301234567"),
    ],
)
def test_common_phone_formats_become_e164(given, stored):
    assert normalise_phone(given) == stored


@pytest.mark.parametrize(
    "given",
    ["", "call me", "555-0123", "111111111", "(123) 555-0123", "(404) 155-0123", "+1 404 555 012",
     "404-555-0123 ext 4", "+0 20 7946 0958", "+1234567", "+1234567890123456", "１２３４５６７８９０"],
)
def test_other_phone_values_are_a_400(given):
    with pytest.raises(Open311Error) as caught:
        normalise_phone(given)
    assert (caught.value.status, caught.value.description) == (
        400, "phone is not a valid phone number (expected e.g. (404) 555-0123 or +44 20 7946 0958)")


@pytest.mark.parametrize(
    "given, stored",
    [
        ("resident@example.org", "resident@example.org"),
        ("Resident.Name+311@Example.ORG", "Resident.Name+311@example.org"),
        (" resident@example.org ", "resident@example.org"),
        ("o'brien@sub.example.co.uk", "o'brien@sub.example.co.uk"),
        ("anna@bücher.de", "anna@xn--bcher-kva.de"),
        ("trailing@example.org.", "trailing@example.org"),
    ],
)
def test_valid_email_addresses_are_kept_with_a_lower_case_domain(given, stored):
    assert normalise_email(given) == stored


@pytest.mark.parametrize(
    "given",
    ["plain", "@example.org", "someone@", "someone@localhost", "two@@example.org", "a b@example.org",
     "a..b@example.org", ".a@example.org", "a@-example.org", "a@example.c", "a@exa_mple.org",
     "Name <a@example.org>", "x" * 65 + "@example.org", "a@" + "b" * 250 + ".org"],
)
def test_invalid_email_addresses_are_a_400(given):
    with pytest.raises(Open311Error) as caught:
        normalise_email(given)
    assert (caught.value.status, caught.value.description) == (
        400, "email is not a valid email address (expected something like name@example.org)")
