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
        ("+49 (0)30 1234567", "+49301234567"),     # the (0) is the trunk prefix, not part of the number
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+81 3-1234-5678", "+81312345678"),
    ],
)
def test_common_phone_formats_become_e164(given, stored):
    assert normalise_phone(given) == stored


@pytest.mark.parametrize(
    "given, reason",
    [
        ("", "it is not a phone number"),
        ("call me", "it is not a phone number"),
        ("555-0123", "it has too few digits; a local number needs its area code"),
        ("111111111", "it has too few digits"),
        ("+1 404 555 012", "it has too few digits"),
        ("+1234567", "it has too few digits"),
        ("+1234567890123456", "it has too many digits"),
        ("+0 20 7946 0958", "the country code after + (or 00) is not one in use"),
        ("(123) 555-0123", "it is not a number in use in its country's numbering plan"),
        ("(404) 155-0123", "it is not a number in use in its country's numbering plan"),
        ("１２３４５６７８９０", "it is not a number in use in its country's numbering plan"),
        ("404-555-0123 ext 4", "it has an extension, which cannot be texted or called back; give the number alone"),
    ],
)
def test_other_phone_values_are_a_400_saying_why_without_repeating_the_number(given, reason):
    with pytest.raises(Open311Error) as caught:
        normalise_phone(given)
    assert (caught.value.status, caught.value.description) == (
        400, f"phone is not a valid phone number: {reason} (expected e.g. (404) 555-0123 or +44 20 7946 0958)")


def test_a_number_without_its_country_code_is_read_as_one_of_the_given_region():
    assert normalise_phone("020 7946 0958", region="GB") == "+442079460958"
    assert normalise_phone("612 34 56 78", region="ES") == "+34612345678"


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
    "given, reason",
    [
        ("plain", "An email address must have an @-sign."),
        ("@example.org", "There must be something before the @-sign."),
        ("someone@", "There must be something after the @-sign."),
        ("someone@localhost", "The part after the @-sign is not valid. It should have a period."),
        ("two@@example.org", "The part after the @-sign contains invalid characters: '@'."),
        ("a b@example.org", "The email address contains invalid characters before the @-sign: SPACE."),
        ("a..b@example.org", "An email address cannot have two periods in a row."),
        (".a@example.org", "An email address cannot start with a period."),
        ("a@-example.org", "An email address cannot have a hyphen immediately after the @-sign."),
        ("a@example.c", "The part after the @-sign ends in a one-letter top-level domain; none exist."),
        ("a@exa_mple.org", "The part after the @-sign contains invalid characters: '_'."),
        ("Name <a@example.org>", "A display name and angle brackets around the email address are not permitted here."),
        ("x" * 65 + "@example.org", "The email address is too long before the @-sign (1 character too many)."),
        ("a@" + "b" * 250 + ".org", "The email address is too long after the @-sign (1 character too many)."),
    ],
)
def test_invalid_email_addresses_are_a_400_saying_why(given, reason):
    with pytest.raises(Open311Error) as caught:
        normalise_email(given)
    assert (caught.value.status, caught.value.description) == (
        400, f"email is not a valid email address: {reason} Expected something like name@example.org.")
