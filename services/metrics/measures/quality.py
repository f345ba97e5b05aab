"""How well: duplicates, failed work orders, and what residents said in the follow-up survey."""
from services.metrics.measures.lifecycle import grouped, in_triage
from services.metrics.measures.statistics import mean, rate

SATISFIED = 4  # 4 or 5 on the 1..5 scale


def quality(facts):
    """Duplicate rate, failures and survey results over the requests created in a period."""
    facts = [f for f in facts if f.created_at is not None]
    duplicates = sum(1 for f in facts if f.duplicate_of)
    return {"requests": len(facts), "duplicates": duplicates, "duplicate_rate": rate(duplicates, len(facts)),
            "work_orders_failed": sum(1 for f in facts if f.work_order_failed),
            "in_triage": sum(1 for f in facts if in_triage(f)),
            "surveys": surveys(facts)}


def surveys(facts):
    """Responses, mean satisfaction (1..5), share satisfied (4 or 5) and share saying it was not fixed."""
    answered = [f for f in facts if f.survey_satisfaction is not None]
    return {"responses": len(answered),
            "mean_satisfaction": mean(f.survey_satisfaction for f in answered),
            "satisfied_share": rate(sum(1 for f in answered if f.survey_satisfaction >= SATISFIED), len(answered)),
            "not_fixed_rate": rate(sum(1 for f in answered if f.survey_fixed is False), len(answered))}


def first_time_fix(facts):
    """Closed requests never reopened / closed requests, overall, by department and by service.

    A request counts as closed once its work order closed (even if reopened since); it was fixed the first time
    when it was never reopened. Duplicates, which close with their parent and have no work order of their own,
    are left out."""
    closed = [f for f in facts if f.created_at is not None and not f.duplicate_of and f.closed_at is not None]
    return {**_fixed(closed),
            "by_department": {key: _fixed(group) for key, group in grouped(closed, "department").items()},
            "by_service": {key: _fixed(group) for key, group in grouped(closed, "service_code").items()}}


def _fixed(closed):
    reopened = sum(1 for f in closed if f.reopened_at is not None)
    return {"closed": len(closed), "reopened": reopened, "rate": rate(len(closed) - reopened, len(closed))}
