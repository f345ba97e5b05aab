"""A broken jurisdiction file stops loading with `file:line: problem`."""
import pytest

from services.routing.domain import ConfigurationError, load_jurisdiction

BOWTIE = "[[[-84.374, 33.731], [-84.366, 33.741], [-84.374, 33.741], [-84.366, 33.731], [-84.374, 33.731]]]"
GRANT_PARK = "[[[-84.374, 33.731], [-84.374, 33.741], [-84.366, 33.741], [-84.366, 33.731], [-84.374, 33.731]]]"

# (file, old text, new text, text on the line the error must name, words of the problem)
CASES = {
    "unknown department": (
        "services.yaml", "department: PW-STREETS\n    type: realtime\n    attributes:\n      - code: SIZE",
        "department: PW-STREEETS\n    type: realtime\n    attributes:\n      - code: SIZE",
        "PW-STREEETS", "unknown department 'PW-STREEETS'"),
    "unknown service code": (
        "routing_rules.yaml", "service_code: POTHOLE\n    department", "service_code: POTHOL\n    department",
        "service_code: POTHOL", "unknown service code 'POTHOL'"),
    "bad service level unit": (
        "routing_rules.yaml", "id: pothole\n    service_code: POTHOLE\n    department: PW-STREETS\n"
        "    priority: normal\n    service_level: {business_days: 3}",
        "id: pothole\n    service_code: POTHOLE\n    department: PW-STREETS\n"
        "    priority: normal\n    service_level: {business_weeks: 3}",
        "business_weeks", "bad service-level spec: unknown unit 'business_weeks'"),
    "zero service level": (
        "routing_rules.yaml", "service_level: {calendar_hours: 2}\n\n  - id: storm",
        "service_level: {calendar_hours: 0}\n\n  - id: storm", "calendar_hours: 0", "at least 1"),
    "missing key": (
        "departments.yaml", "    name: Watershed Management\n", "", "code: WATERSHED",
        "missing required key 'name'"),
    "bad time": (
        "departments.yaml", 'open: "07:30"', 'open: "7.30am"', "7.30am", "bad time '7.30am'"),
    "unquoted time": (
        "departments.yaml", 'close: "16:30"', "close: 16:30", "close: 16:30", "quoted \"HH:MM\""),
    "closing before opening": (
        "departments.yaml", 'open: "06:00", close: "15:00"', 'open: "16:00", close: "15:00"',
        'open: "16:00"', "close 15:00 is not after open 16:00"),
    "unknown weekday": (
        "departments.yaml", "days: [mon, tue, wed, thu, fri, sat]", "days: [mon, tue, wed, thu, fri, sam]",
        "sam]", "unknown weekday 'sam'"),
    "duplicate rule id": (
        "routing_rules.yaml", "- id: sidewalk-damage\n", "- id: pothole\n",
        "- id: pothole\n    service_code: SIDEWALK_DAMAGE", "duplicate rule id 'pothole'"),
    "invalid polygon": (
        "parks.geojson", GRANT_PARK, BOWTIE, BOWTIE, "invalid polygon: Self-intersection"),
    "not a polygon": (
        "districts.geojson", '"type": "Polygon",\n        "coordinates": [[[-84.514306',
        '"type": "Point",\n        "coordinates": [[[-84.514306', '"type": "Point"',
        "geometry type 'Point' is not a Polygon"),
    "unknown attribute in rule": (
        "routing_rules.yaml", "TRIP_HAZARD:", "TRIP_HAZZARD:", "TRIP_HAZZARD",
        "unknown attribute 'TRIP_HAZZARD' for service SIDEWALK_DAMAGE"),
    "unknown attribute value in rule": (
        "routing_rules.yaml", "{LEAK_SIDE: private_side}", "{LEAK_SIDE: privat}", "privat}",
        "unknown value 'privat' for attribute LEAK_SIDE"),
    "unknown council district": (
        "routing_rules.yaml", "when: {in_park: true}", "when: {council_district: CD-99}", "CD-99",
        "unknown council district CD-99"),
    "unknown priority": (
        "routing_rules.yaml", "STREET_SIGN_DAMAGED\n    department: PW-STREETS\n    priority: low",
        "STREET_SIGN_DAMAGED\n    department: PW-STREETS\n    priority: whenever", "whenever",
        "unknown priority 'whenever'"),
    "misspelt key": (
        "departments.yaml", "work_order_system: streets", "work_order_sytem: streets", "work_order_sytem",
        "unknown key 'work_order_sytem'"),
    "unquoted yes": (
        "services.yaml", '{key: "yes", name: "Yes"}\n          - {key: "no", name: "No"}\n\n  - service_code: STREET_SIGN',
        '{key: yes, name: "Yes"}\n          - {key: "no", name: "No"}\n\n  - service_code: STREET_SIGN', "{key: yes",
        "read as a boolean"),
    "duplicate service code": (
        "services.yaml", "service_code: STREET_CRACK", "service_code: POTHOLE", "service_code: POTHOLE\n    service_name: Cracked",
        "duplicate service code 'POTHOLE'"),
    "list datatype without values": (
        "services.yaml", "code: TIRE_COUNT\n        datatype: number", "code: TIRE_COUNT\n        datatype: singlevaluelist",
        "code: TIRE_COUNT", "a singlevaluelist needs at least one value"),
    "unknown time zone": (
        "jurisdiction.yaml", "timezone: America/New_York", "timezone: America/Atlantis", "America/Atlantis",
        "unknown time zone 'America/Atlantis'"),
    "unknown holiday calendar": (
        "jurisdiction.yaml", "subdivision: GA", "subdivision: ZZ", "country: US", "unknown public holiday calendar"),
    "unsupported version": (
        "routing_rules.yaml", "version: 1", "version: 2", "version: 2", "unsupported routing rules version 2"),
    "duplicate policy for unknown service": (
        "routing_rules.yaml", "BULK_PICKUP: {detect: false}", "BULK_PIKCUP: {detect: false}", "BULK_PIKCUP",
        "unknown service code 'BULK_PIKCUP' in duplicate_policies"),
    "bad duplicate radius": (
        "routing_rules.yaml", "POTHOLE: {radius_m: 25,", "POTHOLE: {radius_m: -25,", "radius_m: -25",
        "'radius_m' must be greater than 0"),
    "duplicate yaml key": (
        "jurisdiction.yaml", "sample_data: true", "sample_data: true\nsample_data: false", "sample_data: false",
        "duplicate key 'sample_data'"),
    "broken yaml": (
        "departments.yaml", "  - code: WATERSHED", "  - code: [WATERSHED", "name: Watershed Management",
        "not valid YAML"),
    "gazetteer coordinates": (
        "gazetteer.csv", "165 Peachtree St NE,33.769189", "165 Peachtree St NE,north", "north",
        "are not numbers"),
    "gazetteer duplicate": (
        "gazetteer.csv", "47 Peachtree St SE,", "165 peachtree street northeast,", "165 Peachtree St NE,",
        "duplicate address '165 Peachtree St NE' (first on line 4)"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_broken_file_names_file_line_and_problem(broken_copy, case):
    filename, old, new, marker, problem = case
    folder = broken_copy(filename, old, new)
    text = (folder / filename).read_text(encoding="utf-8")
    expected_line = text[:text.index(marker)].count("\n") + 1
    with pytest.raises(ConfigurationError) as caught:
        load_jurisdiction(folder)
    error = caught.value
    assert (error.path.name, error.line) == (filename, expected_line), str(error)
    assert problem in error.problem
    assert str(error).startswith(f"{folder / filename}:{expected_line}: ")


def test_missing_file_is_named(broken_copy):
    folder = broken_copy("jurisdiction.yaml", "sample_data: true", "sample_data: true")
    (folder / "routing_rules.yaml").unlink()
    with pytest.raises(ConfigurationError, match=r"routing_rules\.yaml: file is missing"):
        load_jurisdiction(folder)
