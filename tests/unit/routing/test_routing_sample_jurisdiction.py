"""The sample jurisdiction loads, is complete, and reads the same for every reader."""
import json

import pytest
import yaml

from services.routing.domain.catalog import DATATYPES
from services.routing.domain.config_file import Entry, load_yaml

REQUIRED_CODES = {
    "streets": {"POTHOLE", "SIDEWALK_DAMAGE", "STREET_SIGN_DAMAGED", "STREET_CRACK", "CURB_DAMAGE"},
    "watershed": {"WATER_LEAK", "SEWER_BACKUP", "WATER_METER_BROKEN", "HYDRANT_DAMAGED", "NO_WATER",
                  "WATER_MAIN_BREAK"},
    "solidwaste": {"MISSED_PICKUP", "BULK_PICKUP", "DUMPED_TIRES", "DEAD_ANIMAL", "MISSED_RECYCLING"},
    "forestry": {"DOWNED_TREE", "TREE_LIMB", "OVERGROWN_PARK", "TREE_TRIMMING"},
    "transportation": {"TRAFFIC_SIGNAL", "STREETLIGHT_OUT", "SIGN_DOWN", "ABANDONED_VEHICLE_ROADWAY"},
    "codeenforcement": {"OVERGROWN_LOT", "ABANDONED_VEHICLE_PRIVATE", "ILLEGAL_DUMPING", "GRAFFITI"},
}


def test_sample_is_marked_as_sample(sample, sample_folder):
    assert sample.sample_data is True
    assert "SAMPLE" in sample.name
    assert "SAMPLE DATA" in (sample_folder / "README.md").read_text(encoding="utf-8")
    assert sample.jurisdiction_id == "sample.city311.org"
    assert sample.timezone.key == "America/New_York"


def test_development_api_keys(sample):
    assert sample.api_keys["dev-web-key"] == "city311-web"
    assert sample.api_keys["dev-mobile-key"] == "city311-mobile"
    assert sample.api_keys["fixmystreet-key"] == "fixmystreet"


def test_every_department_has_a_work_order_system(sample):
    systems = {department.work_order_system for department in sample.departments.values()}
    assert len(sample.departments) == 6
    assert systems == set(REQUIRED_CODES)


def test_required_service_codes_are_served_by_their_system(sample):
    assert len(sample.services) >= 28
    for system, codes in REQUIRED_CODES.items():
        for code in codes:
            department = sample.departments[sample.services[code].department]
            assert department.work_order_system == system, code


def test_every_service_has_an_unconditional_routing_rule(sample):
    assert set(sample.services) <= sample.rulebook.services_with_fallback()


def test_catalog_uses_every_open311_datatype_and_both_kinds_of_attribute(sample):
    attributes = [attribute for service in sample.services.values() for attribute in service.attributes]
    assert {attribute.datatype for attribute in attributes} == set(DATATYPES)
    assert {attribute.required for attribute in attributes} == {True, False}
    assert {attribute.variable for attribute in attributes} == {True, False}


def test_water_leak_and_downed_tree_ask_what_routing_needs(sample):
    assert set(sample.services["WATER_LEAK"].attribute("LEAK_SIDE").value_keys) >= {"city_side", "private_side"}
    tree = sample.services["DOWNED_TREE"]
    assert tree.attribute("BLOCKING").value_keys == ("yes", "no")
    assert set(tree.attribute("LOCATION_TYPE").value_keys) >= {"park", "street"}


def test_every_department_has_a_calendar(sample):
    assert set(sample.calendars) == set(sample.departments)
    assert sample.departments["SOLID-WASTE"].hours[5].open.hour == 6  # works Saturdays


def plain(value):
    """Routing's line-aware values as the plain dicts and lists yaml.safe_load gives."""
    if isinstance(value, Entry):
        return {key: plain(item) for key, item in value.values.items()}
    return [plain(item) for item in value] if isinstance(value, list) else value


@pytest.mark.parametrize("filename", ["jurisdiction.yaml", "departments.yaml", "services.yaml",
                                      "routing_rules.yaml", "districts.geojson"])
def test_other_readers_see_the_same_data(sample_folder, filename):
    text = (sample_folder / filename).read_text(encoding="utf-8")
    ours = plain(load_yaml(sample_folder / filename))
    assert yaml.safe_load(text) == ours
    assert yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) == ours
    if filename.endswith(".geojson"):
        assert json.loads(text) == ours
