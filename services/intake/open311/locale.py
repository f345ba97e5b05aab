"""Which language an Open311 client asks the service list and definitions in: `locale`, else Accept-Language.

`locale` is GeoReport v2's optional locale parameter, a language tag ("es", "es-US", "es_MX"). A
well-formed tag of a language the jurisdiction does not offer gets English, the default, as an
Accept-Language preference would; a malformed one is a 400 saying what to send. Without either,
English: existing clients see exactly what they saw before.
"""
from services.intake.open311.errors import Open311Error, quote
from services.intake.open311.params import single_value
from shared.i18n import DEFAULT, LANGUAGES, TAG, language_of, preferred_language


def requested_language(params, accept_languages=None):
    """The offered language for this call; Open311Error 400 for a `locale` that is not a language tag."""
    locale = single_value(params, "locale")
    if locale is not None:
        if not TAG.fullmatch(locale):
            raise Open311Error.bad_request(
                f"locale {quote(locale)} is not a language tag; send one such as {', '.join(LANGUAGES)} or es-US")
        return language_of(locale) or DEFAULT
    return preferred_language(accept_languages)
