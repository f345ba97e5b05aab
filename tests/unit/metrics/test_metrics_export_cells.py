"""The open-data CSV never hands a spreadsheet a live formula (OWASP CSV injection); numbers stay numbers."""
import csv
import io

import pytest

from services.metrics.export import as_csv, as_json
from services.metrics.geography import Geography
from tests.unit.metrics.test_metrics_measures import fact

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"Click\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\tTAB=1", "\rCR=1"]


def exported(**fields):
    rows = list(csv.DictReader(io.StringIO(as_csv([fact(1, closed_hours=5, **fields)], Geography()))))
    return rows[0]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_resolution_that_looks_like_a_formula_is_exported_as_text(text):
    row = exported(resolution=text, resolution_code=text)
    assert row["resolution_description"] == "'" + text and row["resolution_code"] == "'" + text


@pytest.mark.parametrize("field", ["service_name", "department_name", "neighbourhood", "address_block"])
def test_every_text_cell_is_neutralised_not_only_the_resolution(field):
    assert exported(**{field: "=1+1"})[{"department_name": "agency_name"}.get(field, field)] == "'=1+1"


def test_negative_coordinates_and_ordinary_words_are_unchanged():
    row = exported(lat=33.749, long=-84.388, resolution="Pothole filled - crew 4")
    assert (row["lat"], row["long"], row["resolution_description"]) == ("33.749", "-84.388", "Pothole filled - crew 4")


def test_the_json_export_keeps_the_words_as_they_are():
    """JSON is no spreadsheet: its consumers get the text itself."""
    assert "=HYPERLINK" in as_json([fact(1, closed_hours=5, resolution="=HYPERLINK(1)")], Geography(), {})
