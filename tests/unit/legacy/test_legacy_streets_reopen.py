"""The Streets simulator's WorkOrder/Reopen: a completed work order goes back to OPEN once (asked twice, reopened
once), a cancelled one is refused, and the adapter calls it with the work order and the reason."""
import random
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from legacy_systems.common.faults import FaultInjector
from legacy_systems.common.rules import BusinessRuleError, WorkOrderRules
from legacy_systems.common.storage import WorkOrderStore
from legacy_systems.common.workflow import Workflow
from legacy_systems.streets.methods import WorkOrderMethods
from services.workorders.adapters.cityworks import CityworksClient

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[3] / "legacy_systems" / "streets" / "system.yaml").read_text())


@pytest.fixture
def methods(tmp_path):
    store = WorkOrderStore(tmp_path / "streets.sqlite3", CONFIG["id_format"])
    rules = WorkOrderRules(store, Workflow.from_config(CONFIG), CONFIG["categories"])
    yield WorkOrderMethods(SimpleNamespace(rules=rules, store=store, faults=FaultInjector(random.Random(1)),
                                           config=CONFIG))
    store.close()


def completed(methods):
    order = methods.create({"OtherSystemId": "26-0000001", "WOTemplateId": "2101", "Description": "hole"})
    methods._store.set_status(order["WorkOrderId"], "COMPLETE", "FILL")
    return order["WorkOrderId"]


def test_a_completed_work_order_reopens_once_even_when_asked_twice(methods):
    legacy_id = completed(methods)
    reopen = methods.named("WorkOrder/Reopen")
    assert reopen({"WorkOrderId": legacy_id, "ReopenReason": "back again"})["Status"] == "OPEN"
    assert reopen({"WorkOrderId": legacy_id, "ReopenReason": "back again"})["Status"] == "OPEN"
    [order] = methods._store.all_with_history("26-0000001")
    assert [h["status"] for h in order["history"]] == ["OPEN", "COMPLETE", "OPEN"]


def test_a_reopen_is_refused_clearly(methods):
    legacy_id = completed(methods)
    reopen = methods.named("WorkOrder/Reopen")
    with pytest.raises(BusinessRuleError, match="ReopenReason is required"):
        reopen({"WorkOrderId": legacy_id})
    with pytest.raises(BusinessRuleError, match="No work order WO-0"):
        reopen({"WorkOrderId": "WO-0", "ReopenReason": "r"})
    cancelled = methods.create({"OtherSystemId": "26-0000002", "WOTemplateId": "2101", "Description": "x"})
    methods.cancel({"WorkOrderIds": [cancelled["WorkOrderId"]], "CancelReason": "r"})
    with pytest.raises(BusinessRuleError, match="cancelled and cannot be reopened") as refused:
        reopen({"WorkOrderId": cancelled["WorkOrderId"], "ReopenReason": "r"})
    assert refused.value.code == "NOT_REOPENABLE"


def test_the_adapter_asks_for_the_reopen_with_the_reason():
    calls = []
    session = SimpleNamespace(call=lambda method, data: calls.append((method, data)))
    client = CityworksClient("streets", session, vocabulary=None, overlap=None, lookback=None)
    assert client.can_reopen is True
    client.reopen("WO-2026-000001", "back again", "event-1")
    assert calls == [("WorkOrder/Reopen", {"WorkOrderId": "WO-2026-000001", "ReopenReason": "back again"})]
