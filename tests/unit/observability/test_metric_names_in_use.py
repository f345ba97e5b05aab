"""The Grafana dashboard and the alerting rules read only metrics that a service exports (a renamed metric
would leave a panel empty and an alert silent)."""
import json
import re

import yaml

from shared.config import PROJECT_ROOT

DASHBOARD = PROJECT_ROOT / "deploy" / "grafana" / "city311.json"
RULES = PROJECT_ROOT / "deploy" / "prometheus" / "rules.yml"
SOURCES = [*(PROJECT_ROOT / "shared").rglob("*.py"), *(PROJECT_ROOT / "services").rglob("*.py")]


def _exported():
    """Metric names the code declares (counters gain _total, histograms _bucket on the wire)."""
    declared = set()
    for path in SOURCES:
        declared |= set(re.findall(r'"(city311_[a-z_]+)"', path.read_text()))
    return declared | {f"{name}_total" for name in declared} | {f"{name}_bucket" for name in declared}


def test_every_city311_metric_on_the_dashboard_is_exported_by_a_service():
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    used = {name for expr in expressions for name in re.findall(r"\bcity311_[a-z_]+", expr)}
    assert used and used - _exported() == set()


def test_every_city311_metric_in_the_alerting_rules_is_exported_by_a_service():
    rules = yaml.safe_load(RULES.read_text())
    used = {name for group in rules["groups"] for rule in group["rules"]
            for name in re.findall(r"\bcity311_[a-z_]+", rule["expr"])}
    assert used and used - _exported() == set()


def test_every_panel_has_a_unique_id_and_a_place_on_the_grid():
    panels = json.loads(DASHBOARD.read_text())["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    assert all({"x", "y", "w", "h"} <= panel["gridPos"].keys() for panel in panels)
