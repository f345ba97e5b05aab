"""Geography: city limits, council districts, neighbourhoods and parks."""
import itertools

import pytest
import shapely
from shapely.geometry import Polygon

from services.routing.domain.geography import Area, Geography


@pytest.mark.parametrize("lat, long, district, neighbourhood", [
    (33.7500, -84.3900, "CD-06", "NB-DOWNTOWN"),
    (33.8400, -84.4000, "CD-02", "NB-BUCKHEAD"),
    (33.6500, -84.3000, "CD-12", "NB-THOMASVILLE-HEIGHTS"),
    (33.6600, -84.4700, "CD-09", "NB-BEN-HILL"),
])
def test_points_inside_the_city_get_district_and_neighbourhood(sample, lat, long, district, neighbourhood):
    location = sample.geography.locate(lat, long)
    assert location.inside_city
    assert location.council_district.code == district
    assert location.neighbourhood.code == neighbourhood


@pytest.mark.parametrize("lat, long", [(33.95, -84.39), (33.75, -84.20), (33.60, -84.39),
                                       (33.87, -84.51), (0.0, 0.0)])
def test_points_outside_the_city_have_no_areas(sample, lat, long):
    location = sample.geography.locate(lat, long)
    assert not location.inside_city
    assert (location.council_district, location.neighbourhood, location.in_park) == (None, None, False)


def test_park_lookup(sample):
    assert sample.geography.locate(33.7860, -84.3730).park.code == "PK-PIEDMONT"
    assert sample.geography.locate(33.7360, -84.3700).in_park
    assert not sample.geography.locate(33.7500, -84.3900).in_park


def test_a_point_on_a_shared_border_goes_to_the_lowest_code():
    west = Area("council_district", "B", "West", Polygon([(0, 0), (1, 0), (1, 1), (0, 1)]))
    east = Area("council_district", "A", "East", Polygon([(1, 0), (2, 0), (2, 1), (1, 1)]))
    geography = Geography(Polygon([(0, 0), (2, 0), (2, 1), (0, 1)]), [west, east], [])
    assert geography.locate(0.5, 1.0).council_district.code == "A"
    assert geography.locate(0.5, 0.5).council_district.code == "B"


@pytest.mark.parametrize("kind", ["council_district", "neighbourhood"])
def test_sample_areas_tile_the_city_without_overlap(sample, kind):
    areas = sample.geography.indexes[kind].areas
    assert all(area.geometry.is_valid for area in areas)
    for one, other in itertools.combinations(areas, 2):
        assert one.geometry.intersection(other.geometry).area < 1e-9, (one.code, other.code)
    uncovered = sample.geography.city_limits.difference(shapely.union_all([a.geometry for a in areas]))
    assert uncovered.area < 1e-8


def test_sample_has_twelve_council_districts_and_parks_inside_the_city(sample):
    assert len(sample.geography.codes("council_district")) == 12
    assert 8 <= len(sample.geography.codes("neighbourhood")) <= 12
    for park in sample.geography.indexes["park"].areas:
        assert sample.geography.city_limits.contains(park.geometry)
