"""Address points from OpenAddresses CSV / GeoJSON into gazetteer.csv, through the real CLI and files."""
import csv
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from services.routing.domain.gazetteer import load_gazetteer
from shared.gazetteer.importer import ImportFileError, import_points
from shared.gazetteer.index import Gazetteer

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "deploy" / "jurisdictions" / "sample"
OA_HEADER = "LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH"
STREETS = ["PEACHTREE ST NE", "PIEDMONT AVE NE", "SPRING ST NW", "MARIETTA ST NW", "PONCE DE LEON AVE NE",
           "MEMORIAL DR SE", "10TH ST NE", "BOULEVARD NE", "HIGHLAND AVE NE", "MORELAND AVE SE"]


def jurisdiction(tmp_path):
    folder = tmp_path / "city"
    folder.mkdir()
    shutil.copy(SAMPLE / "gazetteer.csv", folder / "gazetteer.csv")
    return folder


def cli(*args):
    return subprocess.run([sys.executable, "-m", "shared.gazetteer", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def generate_openaddresses_csv(path, count, seed=311):
    """`count` distinct street addresses (the last street's numbers run highest), a few with units."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(OA_HEADER + "\n")
        for i in range(count):
            street = STREETS[i % len(STREETS)]
            number = 2 * (i // len(STREETS)) + 1
            lat, long = 33.64 + rng.random() * 0.24, -84.55 + rng.random() * 0.26
            handle.write(f"{long:.6f},{lat:.6f},{number},{street},,ATLANTA,,GA,30303,,{i:x}\n")


def test_a_generated_city_of_60000_addresses_imports_suggests_resolves_and_loads_in_routing(tmp_path):
    folder = jurisdiction(tmp_path)
    source = tmp_path / "atlanta.csv"
    generate_openaddresses_csv(source, 60_000)

    done = cli("import", source, "--jurisdiction", folder)

    assert done.returncode == 0, done.stderr
    # a few generated addresses (165 Peachtree St NE, ...) are in the sample gazetteer already
    assert "read 60000 address points; added 59989; 11 already in the gazetteer" in done.stdout
    assert "skipped 0" in done.stdout
    gazetteer = Gazetteer.from_file(folder / "gazetteer.csv")
    assert len(gazetteer) == 59_989 + 159
    assert [a.address for a in gazetteer.suggest("5999 piedmont")] == ["5999 Piedmont Ave NE"]
    assert [a.address for a in gazetteer.suggest("ponce de leon ave ne 1")][:3] == \
        ["1 Ponce De Leon Ave NE", "11 Ponce De Leon Ave NE", "13 Ponce De Leon Ave NE"]
    assert gazetteer.resolve("11999 Moreland Avenue Southeast, Atlanta GA 30316").address == "11999 Moreland Ave SE"
    assert gazetteer.resolve("47 Peachtree Street SE").address == "47 Peachtree St SE"   # kept from before
    assert len(load_gazetteer(folder / "gazetteer.csv")) == 59_989 + 159   # routing reads it strictly


def test_bad_rows_are_skipped_counted_and_reported_with_their_line_numbers(tmp_path):
    folder = jurisdiction(tmp_path)
    source = tmp_path / "mixed.csv"
    source.write_text("\n".join([
        OA_HEADER,
        "-84.39,33.75,12,MAIN ST,,ATLANTA,,GA,,,",         # line 2: fine
        "-84.39,abc,14,MAIN ST,,ATLANTA,,GA,,,",           # line 3: latitude not a number
        "-84.39,33.75,,MAIN ST,,ATLANTA,,GA,,,",           # line 4: no house number
        "-184.39,33.75,16,MAIN ST,,ATLANTA,,GA,,,",        # line 5: longitude out of range
        "-84.39,33.75,12 1/2,MAIN ST,,ATLANTA,,GA,,,",     # line 6: a number readers cannot take
        "-84.39,33.75",                                    # line 7: too few fields
        "-84.39,33.75,12,MAIN ST,APT 2,ATLANTA,,GA,,,",    # line 8: another unit of line 2
    ]) + "\n", encoding="utf-8")
    report_file = tmp_path / "skipped.csv"

    done = cli("import", source, "--jurisdiction", folder, "--skipped-report", report_file)

    assert done.returncode == 0, done.stderr
    assert "added 1;" in done.stdout and "1 further units or repeats" in done.stdout
    assert "skipped 5" in done.stdout
    for line in (3, 4, 5, 6, 7):
        assert f"skipped line {line}:" in done.stderr
    assert "'abc' are not numbers" in done.stderr and "'12 1/2' is not a number" in done.stderr
    assert [row["where"] for row in csv.DictReader(report_file.open())] == \
        ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert Gazetteer.from_file(folder / "gazetteer.csv").resolve("12 main st").address == "12 Main St"


def test_a_file_without_the_openaddresses_columns_is_refused_and_the_gazetteer_is_untouched(tmp_path):
    folder = jurisdiction(tmp_path)
    before = (folder / "gazetteer.csv").read_bytes()
    source = tmp_path / "wrong.csv"
    source.write_text("x,y,house,road\n1,2,3,4\n", encoding="utf-8")

    done = cli("import", source, "--jurisdiction", folder)

    assert done.returncode == 2
    assert "lacks the column(s) LON, LAT, NUMBER, STREET" in done.stderr
    assert (folder / "gazetteer.csv").read_bytes() == before


def test_geojson_points_import_as_a_collection_and_one_feature_per_line(tmp_path):
    folder = jurisdiction(tmp_path)
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-84.3801, 33.7601]},
         "properties": {"number": "701", "street": "Ponce de Leon Ave NE", "unit": "", "city": "Atlanta",
                        "postcode": "30308"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-84.3802, 33.7602]},
         "properties": {"number": "701", "street": "Ponce de Leon Ave NE", "unit": "B"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
         "properties": {"number": "5", "street": "Elm St"}},
    ]
    collection = tmp_path / "points.geojson"
    collection.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    lines = tmp_path / "points-ld.geojson"
    lines.write_text("\n".join(json.dumps(f) for f in features[:1] + [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-84.39, 33.77]},
         "properties": {"number": "9", "street": "Juniper St NE"}}]) + "\n{not json\n", encoding="utf-8")

    first = import_points(collection, folder)
    second = import_points(lines, folder)

    assert (first.added, first.merged, [s.where for s in first.skipped]) == (1, 1, ["feature 3"])
    assert (second.added, second.already_known, [s.where for s in second.skipped]) == (1, 1, ["line 3"])
    gazetteer = Gazetteer.from_file(folder / "gazetteer.csv")
    assert gazetteer.resolve("701 Ponce de Leon Avenue Northeast").lat == 33.7601
    assert gazetteer.resolve("9 juniper st ne").long == -84.39


def test_replace_keeps_only_the_imported_addresses(tmp_path):
    folder = jurisdiction(tmp_path)
    source = tmp_path / "few.csv"
    generate_openaddresses_csv(source, 20)
    import_points(source, folder, replace=True)
    assert len(Gazetteer.from_file(folder / "gazetteer.csv")) == 20


def test_an_empty_or_unknown_file_and_a_missing_folder_are_clear_errors(tmp_path):
    folder = jurisdiction(tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ImportFileError, match="empty"):
        import_points(empty, folder)
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(ImportFileError, match="not valid JSON"):
        import_points(broken, folder)
    with pytest.raises(ImportFileError, match="is not a folder"):
        import_points(empty, tmp_path / "nowhere")


def test_help_names_the_formats():
    done = cli("import", "--help")
    assert done.returncode == 0
    assert "OpenAddresses" in done.stdout and "--jurisdiction" in done.stdout
