"""Routing rules (routing_rules.yaml): service code + attributes + geography ->
department, priority and service level. The first matching rule wins; then the
first matching escalation may raise priority and tighten the service level."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from services.routing.domain.catalog import ServiceType
from services.routing.domain.conditions import Condition, parse_condition
from services.routing.domain.config_file import Entry
from services.routing.domain.departments import Department
from services.routing.domain.geography import Location
from services.routing.domain.service_levels import ServiceLevel, parse_service_level
from services.routing.domain.triage import NeedsTriage, TriageReason

PRIORITIES = ("emergency", "high", "normal", "low")
SUPPORTED_VERSIONS = (1,)


class RoutableRequest(Protocol):
    """What the rules look at in a request."""
    service_code: str
    attributes: dict[str, Any]


@dataclass(frozen=True)
class RoutingRule:
    """One entry of `rules:` with its references resolved."""
    id: str
    service_code: str
    condition: Condition
    department: Department
    priority: str
    service_level: ServiceLevel
    note: str | None = None


@dataclass(frozen=True)
class Escalation:
    """One entry of `escalations:`: raises priority and tightens the service level."""
    id: str
    service_code: str
    condition: Condition
    priority: str
    service_level: ServiceLevel


@dataclass(frozen=True)
class RoutingDecision:
    """Which department gets the request, how urgent it is and how long they have."""
    department: str
    department_name: str
    work_order_system: str
    priority: str
    service_level: ServiceLevel
    rule_id: str
    explanation: str
    escalation_id: str | None = None


class RuleBook:
    """All routing rules and escalations of a jurisdiction, in file order."""

    def __init__(self, rules: list[RoutingRule], escalations: list[Escalation]):
        self.rules, self.escalations = rules, escalations

    def route(self, request: RoutableRequest, location: Location) -> RoutingDecision | NeedsTriage:
        """Decide department, priority and service level, or say that no rule fits."""
        rule = self._first(self.rules, request, location)
        if rule is None:
            return NeedsTriage(TriageReason.NO_RULE,
                               f"no routing rule for service {request.service_code}")
        escalation = self._first(self.escalations, request, location)
        return _decision(rule, escalation)

    def services_with_fallback(self) -> set[str]:
        """Service codes that have an unconditional rule, so they can never miss."""
        return {rule.service_code for rule in self.rules if rule.condition == Condition()}

    @staticmethod
    def _first(candidates, request: RoutableRequest, location: Location):
        return next((c for c in candidates if c.service_code == request.service_code
                     and c.condition.holds(request.attributes or {}, location)), None)


def _decision(rule: RoutingRule, escalation: Escalation | None) -> RoutingDecision:
    explanation = (f"{rule.service_code} goes to {rule.department.name} by rule '{rule.id}'"
                   f"{_because(rule.condition)}: {rule.priority} priority, "
                   f"due within {rule.service_level}." + (f" {rule.note}" if rule.note else ""))
    urgency = rule
    if escalation is not None:
        urgency = escalation
        explanation += (f" Escalated by '{escalation.id}'{_because(escalation.condition)}: "
                        f"{escalation.priority} priority, due within {escalation.service_level}.")
    return RoutingDecision(rule.department.code, rule.department.name,
                           rule.department.work_order_system, urgency.priority,
                           urgency.service_level, rule.id, explanation,
                           escalation.id if escalation else None)


def _because(condition: Condition) -> str:
    return "" if condition == Condition() else f" (when {condition.describe()})"


def parse_rulebook(root: Entry, services: dict[str, ServiceType],
                   departments: dict[str, Department], area_codes: dict[str, set[str]]) -> RuleBook:
    """Build the rule book from the parsed routing_rules.yaml, checking every reference."""
    root.only("version", "rules", "escalations", "duplicate_policies")
    if root.require("version", int) not in SUPPORTED_VERSIONS:
        root.fail(f"unsupported routing rules version {root.get('version')}", "version")
    seen: dict[str, int] = {}
    rules = [_rule(entry, services, departments, area_codes, seen) for entry in root.entries("rules")]
    escalations = [_escalation(entry, services, area_codes, seen)
                   for entry in root.entries("escalations", required=False)]
    return RuleBook(rules, escalations)


def _common(entry: Entry, services: dict, area_codes: dict, seen: dict) -> tuple:
    rule_id = entry.require("id")
    if rule_id in seen:
        entry.fail(f"duplicate rule id '{rule_id}' (first on line {seen[rule_id]})", "id")
    seen[rule_id] = entry.line
    code = entry.require("service_code")
    if code not in services:
        entry.fail(f"unknown service code '{code}'", "service_code")
    when = entry.optional("when", Entry)
    condition = parse_condition(when, services[code], area_codes) if when else Condition()
    priority = entry.require("priority")
    if priority not in PRIORITIES:
        entry.fail(f"unknown priority '{priority}' (use {', '.join(PRIORITIES)})", "priority")
    return rule_id, code, condition, priority, parse_service_level(entry)


def _rule(entry: Entry, services: dict, departments: dict, area_codes: dict, seen: dict) -> RoutingRule:
    entry.only("id", "service_code", "when", "department", "priority", "service_level", "note")
    rule_id, code, condition, priority, level = _common(entry, services, area_codes, seen)
    department = entry.require("department")
    if department not in departments:
        entry.fail(f"unknown department '{department}'", "department")
    return RoutingRule(rule_id, code, condition, departments[department], priority, level,
                       entry.optional("note", str))


def _escalation(entry: Entry, services: dict, area_codes: dict, seen: dict) -> Escalation:
    entry.only("id", "service_code", "when", "priority", "service_level")
    rule_id, code, condition, priority, level = _common(entry, services, area_codes, seen)
    if condition == Condition():
        entry.fail("an escalation needs a 'when' condition; change the rule instead", "id")
    return Escalation(rule_id, code, condition, priority, level)
