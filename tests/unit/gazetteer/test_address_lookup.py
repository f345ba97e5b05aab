"""What the report pages do with the gazetteer: suggest, resolve typed text, and find the nearest address."""
from pathlib import Path

from services.intake.web.gazetteer import Gazetteer, KnownAddress

SAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "jurisdictions" / "sample"


def sample():
    return Gazetteer.from_file(SAMPLE / "gazetteer.csv")


def test_typed_addresses_match_whatever_the_spelling_unit_city_or_zip():
    gazetteer = sample()
    for typed in ("47 peachtree st se", "47 Peachtree Street Southeast", "47 PEACHTREE ST. S.E.",
                  "47 Peachtree St SE, Atlanta, GA 30303", "47 Peachtree St SE Apt 4",
                  "47 Peachtree Street SE, Unit 2B, Atlanta GA"):
        assert gazetteer.resolve(typed) == KnownAddress("47 Peachtree St SE", 33.750066, -84.386745), typed
    assert gazetteer.resolve("140 W Peachtree St NW").address == "140 West Peachtree St NW"


def test_an_address_that_is_not_known_or_is_incomplete_resolves_to_nothing():
    gazetteer = sample()
    for typed in ("47 Peachtree", "48 Peachtree St SE", "47 Peachtree St NE", "Peachtree St SE", "", "   "):
        assert gazetteer.resolve(typed) is None, typed


def test_suggestions_begin_with_the_house_number_or_the_street():
    gazetteer = sample()
    assert [a.address for a in gazetteer.suggest("47 peachtree")] == ["47 Peachtree St SE"]
    assert [a.address for a in gazetteer.suggest("west peachtree street")] == \
        ["140 West Peachtree St NW", "297 West Peachtree St NW", "423 West Peachtree St NW"]
    assert [a.address for a in gazetteer.suggest("w peachtree st nw 2")] == ["297 West Peachtree St NW"]
    assert gazetteer.suggest("zzz") == [] and gazetteer.suggest(" ,. ") == []
    assert len(gazetteer.suggest("peachtree", limit=3)) == 3


def test_the_nearest_known_address_to_a_point_within_reach():
    gazetteer = sample()
    # about 20 m east of 47 Peachtree St SE
    assert gazetteer.nearest(33.750066, -84.386545).address == "47 Peachtree St SE"
    assert gazetteer.nearest(33.0, -84.0) is None                       # nowhere near an address
    assert Gazetteer([]).nearest(33.75, -84.39) is None
    near = Gazetteer([KnownAddress("1 A St", 33.75, -84.39), KnownAddress("2 A St", 33.75, -84.3895)])
    assert near.nearest(33.75, -84.3897).address == "2 A St"            # 18 m vs 28 m away
    assert near.nearest(33.75, -84.3897, within_metres=10) is None
