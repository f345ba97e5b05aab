"""Forestry's interface job in process (SQLite), and the adapter's view of the same tables."""
import argparse
import random
from pathlib import Path

import pytest
import yaml
from sqlalchemy import insert, select

from legacy_systems.common.server import build_context
from legacy_systems.forestry import interface_tables as department
from legacy_systems.forestry.interface_job import InterfaceJob
from services.workorders.adapters import forestry_tables as city

ROOT = Path(__file__).resolve().parents[3]
CONFIG = yaml.safe_load((ROOT / "legacy_systems" / "forestry" / "system.yaml").read_text())


@pytest.fixture
def context(tmp_path):
    made = build_context(CONFIG, argparse.Namespace(data_dir=tmp_path, seed=1, crew_speed="fast"))
    yield made
    made.store.close()


@pytest.fixture
def engine(tmp_path):
    return department.open_database(f"sqlite:///{tmp_path}/interface.sqlite3")


@pytest.fixture
def job(context, engine):
    return InterfaceJob(context, engine, random.Random(1))


def submit(engine, **values) -> None:
    row = {"EXT_REF": "SR-1", "CATEGORY_CODE": "TRDN", "PRIORITY_CODE": "B", "DESCRIPTION": "tree on the path",
           "SUBMITTED_AT": department.now(), **values}
    with engine.begin() as connection:
        connection.execute(insert(department.REQUESTS).values(**row))


def rows(engine, table) -> list[dict]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(table).order_by(table.c[table.c.keys()[0]]))
                .mappings()]


def answers(engine) -> list[tuple]:
    return [(r["EXT_REF"], r["PROCESS_STATUS"], r["ERROR_CODE"], r["WORK_ORDER_NO"])
            for r in rows(engine, department.REQUESTS)]


def test_the_city_uses_only_columns_the_department_has():
    for table in (city.REQUESTS, city.CANCELLATIONS, city.STATUS_LOG):
        assert set(table.c.keys()) <= set(department.METADATA.tables[table.name].c.keys())


def test_each_row_is_answered_with_a_work_order_or_the_reason(engine, job):
    submit(engine, EXT_REF="SR-1")
    submit(engine, EXT_REF="SR-2", CATEGORY_CODE="ZZZZ")
    submit(engine, EXT_REF="SR-3", PRIORITY_CODE="Q")
    submit(engine, EXT_REF="SR-4", DESCRIPTION="  ")
    submit(engine, EXT_REF="SR-1")
    job.run()
    assert answers(engine) == [("SR-1", "P", None, "FW0000001"), ("SR-2", "E", "VAL-02", None),
                               ("SR-3", "E", "VAL-03", None), ("SR-4", "E", "VAL-01", None),
                               ("SR-1", "E", "DUP-09", "FW0000001")]
    assert rows(engine, department.REQUESTS)[4]["ERROR_MESSAGE"] == "REFERENCE ALREADY ON FILE AS FW0000001"


def test_error_and_malformed_faults(engine, job, context):
    context.faults.configure({"error_rate": 1.0})
    submit(engine, EXT_REF="SR-1")
    job.run()
    context.faults.configure({"clear": True, "malformed_rate": 1.0})
    submit(engine, EXT_REF="SR-2")
    job.run()
    assert answers(engine) == [("SR-1", "E", "SYS-99", None), ("SR-2", "P", None, None)]
    assert [w["external_reference"] for w in context.store.find_by_reference("SR-2")] == ["SR-2"]


def test_status_log_gets_each_change_once_in_order_and_resumes_after_a_restart(engine, job, context):
    submit(engine)
    job.run()
    context.crew.advance("FW0000001")
    job.run()
    InterfaceJob(context, engine, random.Random(1)).run()  # a restarted job does not log them again
    assert [(r["LOG_ID"], r["STATUS_CODE"]) for r in rows(engine, department.STATUS_LOG)] == [(1, "NEW"), (2, "SCHED")]


def test_status_log_faults_repeat_reverse_and_add_a_row_without_data(engine, job, context):
    submit(engine)
    job.run()
    context.crew.advance("FW0000001")
    context.crew.advance("FW0000001")
    context.faults.configure({"duplicate_status": True, "out_of_order_status": True, "malformed_rate": 1.0})
    job.run()
    logged = [r["STATUS_CODE"] for r in rows(engine, department.STATUS_LOG)]
    assert logged[0] == "NEW" and len(logged) == 6 and logged.count(None) == 1
    assert [code for code in logged[1:] if code] == ["WIP", "WIP", "SCHED", "SCHED"]
