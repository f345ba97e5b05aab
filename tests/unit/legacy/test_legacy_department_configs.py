"""Forestry, Transportation, Code Enforcement: their configuration against the routing rules and the systems.

Every service code the sample jurisdiction routes to a department must map to
a category of that department's system; every code the simulated system
uses must have a translation; and a system that is not there is transient.
"""
import random
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from legacy_systems.common.workflow import Workflow
from services.workorders.adapters import TransientError, WorkOrderRequest, build_client
from services.workorders.adapters.config import load_system_config
from services.workorders.adapters.vocabulary import SystemVocabulary

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "deploy" / "jurisdictions" / "sample"
SYSTEMS = ["forestry", "transportation", "codeenforcement"]
ALL_SYSTEMS = ["streets", "watershed", "solidwaste", *SYSTEMS]
REQUEST = WorkOrderRequest(service_request_id="SR-1", service_code="", description="x", address=None, lat=None,
                           long=None, priority="normal")


def routed_service_codes(system: str) -> set[str]:
    """The service codes whose routing rules send requests to the department running ``system``."""
    departments = yaml.safe_load((SAMPLE / "departments.yaml").read_text())["departments"]
    codes = {d["code"] for d in departments if d["work_order_system"] == system}
    rules = yaml.safe_load((SAMPLE / "routing_rules.yaml").read_text())["rules"]
    return {rule["service_code"] for rule in rules if rule["department"] in codes}


def simulated(system: str) -> dict:
    return yaml.safe_load((ROOT / "legacy_systems" / system / "system.yaml").read_text())


@pytest.mark.parametrize("system", ALL_SYSTEMS)
def test_every_service_code_routed_to_the_department_has_a_category(system):
    assert set(load_system_config(system)["category_map"]) == routed_service_codes(system)


def test_the_codes_asked_for_are_among_them():
    assert {"DOWNED_TREE", "TREE_LIMB", "OVERGROWN_PARK", "TREE_TRIMMING", "ILLEGAL_DUMPING"} == \
        routed_service_codes("forestry")
    assert {"OVERGROWN_LOT", "ABANDONED_VEHICLE_PRIVATE", "ILLEGAL_DUMPING", "GRAFFITI", "WATER_LEAK",
            "DOWNED_TREE"} == routed_service_codes("codeenforcement")


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_code_of_the_simulated_system_has_a_translation(system):
    config, legacy = load_system_config(system), simulated(system)
    vocabulary = SystemVocabulary.from_config(system, config)
    flow = legacy["workflow"]
    statuses = {*flow["next"], *flow["next"].values(), flow["cancelled"],
                *(d["status"] for d in flow.get("detours", {}).values())}
    assert set(vocabulary.statuses) == statuses - {flow["initial"]} and vocabulary.not_reported == {flow["initial"]}
    assert set(vocabulary.categories.values()) <= set(legacy["categories"])
    assert set(vocabulary.priorities.values()) <= set(legacy["priorities"])
    resolutions = {code for category in legacy["categories"].values() for code in category["resolutions"]}
    assert set(vocabulary.resolutions) == resolutions


@pytest.mark.parametrize("system", SYSTEMS)
def test_crew_main_path_reaches_completion_with_a_resolution(system):
    legacy = simulated(system)
    workflow = Workflow.from_config(legacy)
    workorder = {"status": workflow.initial, "category": next(iter(legacy["categories"]))}
    while (step := workflow.step(workorder, random.Random(1), detours=False)) is not None:
        workorder["status"], resolution = step
    assert workorder["status"] == workflow.completed
    assert resolution in legacy["categories"][workorder["category"]]["resolutions"]


@pytest.mark.parametrize("system", SYSTEMS)
def test_building_a_client_touches_nothing(system, tmp_path):
    settings = {"database_url": f"sqlite:///{tmp_path}/absent.sqlite3",
                "journal_database_url": f"sqlite:///{tmp_path}/workorders.sqlite3"}
    client = build_client(system, settings)
    assert client.name == system and list(tmp_path.iterdir()) == []


@pytest.fixture(params=["forestry-sqlite", "forestry-mariadb", "transportation", "codeenforcement"])
def absent_client(request, tmp_path):
    # a database file that is not there, nothing listening on port 1
    settings = {"forestry-sqlite": {"database_url": f"sqlite:///{tmp_path}/not-there.sqlite3"},
                "forestry-mariadb": {"database_url": "mysql+pymysql://root@127.0.0.1:1/forestry"},
                "transportation": {"amqp_uri": "amqp://guest:guest@127.0.0.1:1/", "connect_timeout_seconds": 1,
                                   "journal_database_url": f"sqlite:///{tmp_path}/workorders.sqlite3"},
                "codeenforcement": {"url": "http://127.0.0.1:1", "timeout_seconds": 1}}[request.param]
    return build_client(request.param.split("-")[0], settings)


def test_every_call_is_transient_when_the_system_is_absent(absent_client):
    request = replace(REQUEST, service_code=sorted(load_system_config(absent_client.name)["category_map"])[0])
    for call in (lambda: absent_client.find_by_reference("SR-1"), lambda: absent_client.create(request),
                 lambda: absent_client.cancel("X-1", "no longer needed"), lambda: absent_client.fetch_changes(None)):
        with pytest.raises(TransientError):
            call()
