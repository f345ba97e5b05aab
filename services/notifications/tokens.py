"""Signed tokens for the links in messages: unsubscribe (never expires) and survey (expires)."""
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer


class LinkTokens:
    """Sign and read the ids behind unsubscribe and survey links; a forged or stale token reads as None."""

    def __init__(self, secret, survey_max_age_seconds):
        self._unsubscribe = URLSafeSerializer(secret, salt="city311.notifications.unsubscribe")
        self._survey = URLSafeTimedSerializer(secret, salt="city311.notifications.survey")
        self._survey_max_age = survey_max_age_seconds

    def for_unsubscribe(self, subscription_id):
        return self._unsubscribe.dumps(subscription_id)

    def unsubscribe_id(self, token):
        try:
            return self._unsubscribe.loads(token)
        except BadSignature:
            return None

    def for_survey(self, survey_id):
        return self._survey.dumps(survey_id)

    def survey_id(self, token):
        """The survey id, or None for a forged token or one older than the survey stays open."""
        try:
            return self._survey.loads(token, max_age=self._survey_max_age)
        except BadSignature:  # SignatureExpired is a BadSignature
            return None
