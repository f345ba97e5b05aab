"""Simulator building blocks without a server: workflow, faults, storage, inbound file checks."""
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from legacy_systems.common.faults import FaultInjector
from legacy_systems.common.rules import BusinessRuleError, WorkOrderRules
from legacy_systems.common.storage import WorkOrderStore
from legacy_systems.common.workflow import Workflow
from legacy_systems.solidwaste.inbound_checks import LAYOUT, check_file

ROOT = Path(__file__).resolve().parents[3]


def system_config(name: str) -> dict:
    return yaml.safe_load((ROOT / "legacy_systems" / name / "system.yaml").read_text())


@pytest.fixture
def rules(tmp_path):
    config = system_config("solidwaste")
    store = WorkOrderStore(tmp_path / "sw.sqlite3", config["id_format"])
    yield WorkOrderRules(store, Workflow.from_config(config), config["categories"])
    store.close()


@pytest.mark.parametrize("name", ["streets", "watershed", "solidwaste"])
def test_main_path_reaches_completion_with_a_resolution(name):
    config = system_config(name)
    workflow = Workflow.from_config(config)
    workorder = {"status": workflow.initial, "category": next(iter(config["categories"]))}
    path = []
    while (step := workflow.step(workorder, random.Random(1), detours=False)) is not None:
        workorder["status"], resolution = step
        path.append(workorder["status"])
    assert path[-1] == workflow.completed and resolution in config["categories"][workorder["category"]]["resolutions"]
    assert len(path) == 3


def test_ids_follow_each_systems_scheme(rules, tmp_path):
    assert rules.create("SR-1", "MC01", {})["legacy_id"] == "SW00000001"
    streets = WorkOrderStore(tmp_path / "st.sqlite3", system_config("streets")["id_format"])
    years = {datetime.now(timezone.utc).year}  # the year it is made in, also when that is the stroke of New Year
    legacy_id = streets.create("SR-1", "2101", {}, "OPEN")["legacy_id"]
    years.add(datetime.now(timezone.utc).year)
    assert legacy_id in {f"WO-{year}-000001" for year in years}
    streets.close()


def test_cancel_rules(rules):
    created = rules.create("SR-1", "MC01", {})
    assert rules.cancel(created["legacy_id"])["status"] == "CX"
    assert rules.cancel(created["legacy_id"])["status"] == "CX"  # again: nothing changes
    done = rules.create("SR-2", "MC01", {})
    rules.store.set_status(done["legacy_id"], "CP", "CLT")
    with pytest.raises(BusinessRuleError, match="can no longer be cancelled"):
        rules.cancel(done["legacy_id"])
    with pytest.raises(BusinessRuleError) as unknown:
        rules.create("SR-3", "NOPE", {})
    assert unknown.value.code == "UNKNOWN_CATEGORY"


def test_changes_between_is_half_open_and_ordered(rules):
    created = rules.create("SR-1", "MC01", {})
    rules.store.set_status(created["legacy_id"], "SC")
    changes = rules.store.changes_between("2000-01-01T00:00:00.000Z")
    assert [c["status"] for c in changes] == ["RC", "SC"]
    assert rules.store.changes_between(changes[0]["at"], changes[0]["at"]) == []


def test_faults_validate_and_distort_the_feed():
    faults = FaultInjector(random.Random(0))
    with pytest.raises(ValueError, match="malformed_rate must be between 0 and 1"):
        faults.configure({"malformed_rate": 1.5})
    faults.configure({"duplicate_status": True, "out_of_order_status": True, "error_rate": 1})
    assert faults.distort_feed([1, 2]) == [2, 2, 1, 1] and faults.error_fires()
    faults.configure({"clear": True})
    assert faults.distort_feed([1, 2]) == [1, 2] and not faults.error_fires() and not faults.is_down()


def _file(*details: dict, count: int | None = None) -> str:
    lines = [LAYOUT.encode("H", {"sender": "CITY311", "created_at": datetime.now(timezone.utc)}),
             *(LAYOUT.encode("D", d) for d in details),
             LAYOUT.encode("T", {"record_count": len(details) if count is None else count})]
    return "\n".join(lines) + "\n"


def test_good_file_has_no_errors(rules):
    details, errors = check_file(_file({"external_ref": "SR-1", "category": "MC01", "priority": "3",
                                        "description": "missed"}), rules, ["1", "2", "3", "4"])
    assert errors == [] and [number for number, _ in details] == [2]


def test_every_line_error_is_reported_with_line_field_and_code(rules):
    on_file = rules.create("SR-OLD", "MC01", {})
    text = _file({"external_ref": "SR-OLD", "category": "MC01", "priority": "3", "description": "again"},
                 {"external_ref": "SR-2", "category": "ZZ99", "priority": "3", "description": "x"},
                 {"external_ref": "SR-3", "category": "MC01", "priority": "3", "description": "caf\u00e9"},
                 count=9)
    _, errors = check_file(text, rules, ["1", "2", "3", "4"])
    assert [(e.line_number, e.field, e.code) for e in errors] == [
        (2, "EXTERNAL_REF", "E09"), (3, "CATEGORY", "E05"), (4, "RECORD", "E10"), (5, "RECORD_COUNT", "E07")]
    assert errors[0].existing_id == on_file["legacy_id"]
