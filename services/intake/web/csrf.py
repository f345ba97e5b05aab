"""CSRF tokens: signed (itsdangerous) and bound to the browser's session, checked on every form post."""
import hmac

from itsdangerous import BadSignature, URLSafeTimedSerializer

MAX_AGE_SECONDS = 12 * 3600


class CsrfTokens:
    def __init__(self, secret_key):
        self._serializer = URLSafeTimedSerializer(secret_key, salt="city311-csrf")

    def issue(self, binding):
        """A token for forms shown to the browser identified by `binding`."""
        return self._serializer.dumps(binding)

    def valid(self, token, binding):
        """True when `token` was issued to this browser in the last MAX_AGE_SECONDS."""
        if not token or not binding:
            return False
        try:
            issued_for = self._serializer.loads(token, max_age=MAX_AGE_SECONDS)
        except BadSignature:
            return False
        return hmac.compare_digest(str(issued_for), binding)
