"""The follow-up survey after closure: scheduled per reporter, answered once through a signed link."""
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update

from services.notifications.models import Survey
from services.notifications.outgoing import enqueue

MAX_COMMENT = 2000


class SurveyNotFound(Exception):
    """No survey behind that link (forged, expired, or unknown)."""


class AlreadyAnswered(Exception):
    """Each survey is answered once."""


class InvalidAnswer(Exception):
    """The form is incomplete or wrong; `errors` maps each field to a reason code."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Answer:
    fixed: bool
    satisfaction: int
    comment: str | None


def schedule(uow, settings, service_request_id, subscription, now):
    """One survey per reporter subscription, sent `survey_delay` after the closure."""
    if uow.session.execute(select(Survey.survey_id).where(
            Survey.subscription_id == subscription.subscription_id)).first():
        return None
    survey = Survey(survey_id=str(uuid.uuid4()), service_request_id=service_request_id,
                    subscription_id=subscription.subscription_id, language=subscription.language,
                    created_at=now)
    uow.session.add(survey)
    context = {"request_id": service_request_id, "your_request_id": subscription.service_request_id,
               "survey_url": settings.links.survey(survey.survey_id),
               "tracking_url": settings.links.tracking(service_request_id),
               "unsubscribe_url": settings.links.unsubscribe(subscription.subscription_id)}
    enqueue(uow, settings, survey.survey_id, "survey", service_request_id, subscription, context, now,
            not_before=now + settings.survey_delay)
    return survey


def find(session, tokens, token):
    """The survey behind a link; SurveyNotFound when there is none."""
    survey_id = tokens.survey_id(token)
    survey = session.get(Survey, survey_id) if survey_id else None
    if survey is None:
        raise SurveyNotFound(token)
    return survey


def parse_answer(form):
    """An Answer from the form's fields (fixed=yes|no, satisfaction=1..5, comment); InvalidAnswer."""
    errors = {}
    fixed = {"yes": True, "no": False, "true": True, "false": False}.get(str(form.get("fixed", "")).lower())
    if fixed is None:
        errors["fixed"] = "required"
    try:
        satisfaction = int(form.get("satisfaction", ""))
    except (TypeError, ValueError):
        satisfaction = None
    if satisfaction is None or not 1 <= satisfaction <= 5:
        errors["satisfaction"] = "required"
    comment = str(form.get("comment") or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        errors["comment"] = "too_long"
    if errors:
        raise InvalidAnswer(errors)
    return Answer(fixed, satisfaction, comment)


def answer(uow, tokens, token, form, now):
    """Record the answer and publish SurveyResponded (fixed=false lets others reopen the request)."""
    survey = find(uow.session, tokens, token)
    if survey.responded_at is not None:
        raise AlreadyAnswered(survey.survey_id)
    given = parse_answer(form)
    claimed = uow.session.execute(update(Survey).where(   # two answers at once: one wins
        Survey.survey_id == survey.survey_id, Survey.responded_at.is_(None)).values(
        fixed=given.fixed, satisfaction=given.satisfaction, comment=given.comment, responded_at=now))
    if claimed.rowcount != 1:
        raise AlreadyAnswered(survey.survey_id)
    uow.publish("SurveyResponded", {
        "service_request_id": survey.service_request_id, "fixed": given.fixed,
        "satisfaction": given.satisfaction, "has_comment": given.comment is not None,
        "responded_at": now.isoformat(), "comment": given.comment}, correlation_id=survey.service_request_id)
    return survey
