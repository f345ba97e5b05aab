"""Gazetteer: tolerant address look-up that never guesses."""
import csv

import pytest

KNOWN = "165 Peachtree St NE"


@pytest.mark.parametrize("typed", [
    "165 Peachtree St NE", "165 peachtree st ne", "165 PEACHTREE STREET NORTHEAST",
    "165 Peachtree St. N.E.", "165 Peachtree Street, NE", "  165   Peachtree  St  NE  ",
    "165 Peachtree NE", "165 Peachtree St", "165 Peachtree St NE, Atlanta, GA 30303",
    "165 Peachtree St NE Apt 4", "165 Peachtree St NE #12",
])
def test_spelling_variants_resolve_to_the_known_address(sample, typed):
    match = sample.gazetteer.resolve(typed)
    assert match is not None and match.matched_address == KNOWN
    assert (match.lat, match.long) == pytest.approx((33.769189, -84.386862))


@pytest.mark.parametrize("typed, known", [
    ("550 Ponce de Leon Avenue", "550 Ponce de Leon Ave NE"),
    ("550 ponce de leon place northeast", "550 Ponce de Leon Pl NE"),
    ("1000 Saint Charles Avenue NE", "1000 St Charles Ave NE"),
    ("200 Mitchell Street S.W.", "200 Mitchell St SW"),
])
def test_suffix_quadrant_and_saint_variants(sample, typed, known):
    assert sample.gazetteer.resolve(typed).matched_address == known


@pytest.mark.parametrize("typed", [
    "200 Mitchell St",            # SW or SE?
    "550 Ponce de Leon NE",       # Avenue or Place?
    "166 Peachtree St NE",        # no such number: never the neighbour
    "165 Peachtree Ave NE",       # wrong suffix
    "165 Peachtree St NW",        # wrong quadrant
    "1 Nowhere Rd", "Peachtree St NE", "", "   ", "165",
])
def test_unknown_or_ambiguous_addresses_resolve_to_nothing(sample, typed):
    assert sample.gazetteer.resolve(typed) is None


def test_none_resolves_to_nothing(sample):
    assert sample.gazetteer.resolve(None) is None


def test_sample_gazetteer_is_inside_the_city_unless_marked(sample, sample_folder):
    with open(sample_folder / "gazetteer.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) >= 150
    for row in rows:
        inside = sample.geography.locate(float(row["lat"]), float(row["long"])).inside_city
        assert inside == (row["note"] == ""), row["address"]
        assert sample.gazetteer.resolve(row["address"]).matched_address == row["address"]
