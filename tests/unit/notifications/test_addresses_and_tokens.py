"""Addresses in one stored form; signed link tokens that cannot be forged or reused across purposes."""
import pytest

from services.notifications.addresses import normalise_email, normalise_phone
from services.notifications.tokens import LinkTokens


@pytest.mark.parametrize("typed, stored", [
    ("404-555-0134", "+14045550134"), ("(404) 555 0134", "+14045550134"), ("1 404 555 0134", "+14045550134"),
    ("+34 612 345 678", "+34612345678"), ("0034612345678", "+34612345678"),
    ("+44 20 7946 0958", "+442079460958"), ("+49 (0)30 1234567", "+49301234567"),
    ("555-0134", None), ("", None), (None, None), ("call me", None), ("(123) 555-0134", None),
    ("+0 612 345 678", None), ("404-555-0134 ext 2", None),
])
def test_phone_numbers_become_e164(typed, stored):
    assert normalise_phone(typed) == stored


def test_numbers_without_a_country_code_are_the_regions():
    assert normalise_phone("612 34 56 78", "ES") == "+34612345678"
    assert normalise_phone("404-555-0134", "ES") is None


@pytest.mark.parametrize("typed, stored", [
    ("Ana.Diaz@Example.ORG", "ana.diaz@example.org"), (" resident@example.org ", "resident@example.org"),
    ("no-at-sign.example.org", None), ("a@b", None), ("a b@example.org", None), ("", None),
])
def test_email_addresses(typed, stored):
    assert normalise_email(typed) == stored


def test_tokens_read_back_and_refuse_forgeries_and_the_wrong_purpose():
    tokens = LinkTokens("secret", survey_max_age_seconds=3600)
    assert tokens.unsubscribe_id(tokens.for_unsubscribe("sub-1")) == "sub-1"
    assert tokens.survey_id(tokens.for_survey("survey-1")) == "survey-1"
    assert tokens.unsubscribe_id(tokens.for_survey("survey-1")) is None       # a survey link cannot unsubscribe
    assert tokens.survey_id(tokens.for_unsubscribe("sub-1")) is None
    assert tokens.unsubscribe_id(tokens.for_unsubscribe("sub-1") + "x") is None
    assert LinkTokens("other", 3600).unsubscribe_id(tokens.for_unsubscribe("sub-1")) is None


def test_survey_tokens_expire():
    assert LinkTokens("secret", survey_max_age_seconds=-1).survey_id(
        LinkTokens("secret", 3600).for_survey("survey-1")) is None
