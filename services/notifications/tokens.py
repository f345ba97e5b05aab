"""Signed tokens: the links in messages (unsubscribe never expires; survey and follow confirmation do)
and the CSRF token of the follow form."""
import hmac

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

FOLLOW_CONFIRMATION_MAX_AGE_SECONDS = 3 * 86400
FORM_MAX_AGE_SECONDS = 12 * 3600


class LinkTokens:
    """Sign and read what is behind links and forms; a forged or stale token reads as None (or False)."""

    def __init__(self, secret, survey_max_age_seconds):
        self._unsubscribe = URLSafeSerializer(secret, salt="city311.notifications.unsubscribe")
        self._survey = URLSafeTimedSerializer(secret, salt="city311.notifications.survey")
        self._follow = URLSafeTimedSerializer(secret, salt="city311.notifications.follow")
        self._form = URLSafeTimedSerializer(secret, salt="city311.notifications.form")
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

    def for_follow(self, service_request_id, channel, address, language):
        """The confirmation link's token: who asked to follow which request, sent only to that address."""
        return self._follow.dumps([service_request_id, channel, address, language])

    def follow_request(self, token):
        """(service_request_id, channel, address, language), or None for a forged or expired token."""
        try:
            asked = self._follow.loads(token, max_age=FOLLOW_CONFIRMATION_MAX_AGE_SECONDS)
        except BadSignature:
            return None
        if not (isinstance(asked, list) and len(asked) == 4 and all(isinstance(part, str) for part in asked)):
            return None
        return tuple(asked)

    def for_form(self, visitor):
        """A CSRF token for the forms shown to the browser holding the `visitor` cookie."""
        return self._form.dumps(visitor)

    def form_ok(self, token, visitor):
        """True when `token` was issued to this browser's visitor cookie in the last FORM_MAX_AGE_SECONDS."""
        if not token or not visitor:
            return False
        try:
            issued_for = self._form.loads(token, max_age=FORM_MAX_AGE_SECONDS)
        except BadSignature:
            return False
        return hmac.compare_digest(str(issued_for), visitor)
