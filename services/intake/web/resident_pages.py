"""Resident pages: report a problem (with an optional photo), track a request, switch language."""
import structlog
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from services.intake import store
from services.intake.open311.params import decimal_number
from services.intake.web.i18n import COOKIE as LANGUAGE_COOKIE
from services.intake.web.i18n import LANGUAGES
from shared.i18n import N_
from services.intake.web.lookup import TRACKING_NUMBER
from services.intake.web.page import safe_next
from services.intake.web.request_form import read_report_form
from services.intake.web.service_finder import find_services
from services.intake.web.timeline import translated_notes
from services.intake.web.uploads import UploadRejected, store_photo, stored_photo

log = structlog.get_logger("city311.intake.web")
NO_SUCH_SERVICE = N_("We do not know that kind of problem. Pick one from the list.")
NO_SUCH_REQUEST = N_("There is no request with that number. Check it and try again.")
PHOTO_REJECTED = {"too_big": N_("The photo is larger than %(megabytes)d MB. Choose a smaller one."),
                  "not_image": N_("This file is not a photo we can take. Send a JPEG, PNG or WebP picture.")}
WEB_CHANNEL = "web"
WEB_APPLICATION = "city311-web"


def home(page):
    return page.render("resident/home.html")


def choose_service(page):
    words = page.args.get("q", "")
    return page.render("resident/services.html", q=words, services=find_services(page.catalog, words))


def report_form(page, service_code):
    service = page.catalog.find(service_code)
    if service is None:
        return page.render("error.html", status=404, message=page.gettext(NO_SUCH_SERVICE))
    return page.render("resident/report.html", service=service, values=MultiDict(page.args), errors={})


def report_submit(page, service_code):
    service = page.catalog.find(service_code)
    if service is None:
        return page.render("error.html", status=404, message=page.gettext(NO_SUCH_SERVICE))
    form, errors = MultiDict(page.form), {}
    photo_name = _photo(page, form, errors)
    media_url = f"{page.site.settings.public_base_url}/media/{photo_name}" if photo_name else None
    outcome = read_report_form(form, service, page.jurisdiction, page.site.gazetteer, page.gettext, media_url)
    errors.update(outcome.errors)
    if errors:
        form["photo_name"] = photo_name or ""
        return page.render("resident/report.html", status=400, service=service, values=form, errors=errors)
    with page.uow() as uow:
        record = store.file_request(uow, outcome.new, service, page.jurisdiction.jurisdiction_id,
                                    channel=WEB_CHANNEL, application=WEB_APPLICATION,
                                    notify_by=outcome.notify_by, language=page.lang)
        service_request_id = record.service_request_id
    log.info("service request accepted", service_code=service.service_code, channel=WEB_CHANNEL,
             correlation_id=service_request_id)
    return page.redirect(f"/track/{service_request_id}?new=1")


def _photo(page, form, errors):
    """The stored name of this submission's photo: just uploaded, or kept from an earlier try."""
    upload = page.request.files.get("photo")
    if upload is not None and upload.filename:
        try:
            return store_photo(upload.stream, page.site.settings.upload_dir, page.site.settings.max_upload_bytes)
        except UploadRejected as exc:
            errors["photo"] = page.gettext(PHOTO_REJECTED[exc.reason],
                                           megabytes=page.site.settings.max_upload_bytes // 1_000_000)
            return None
    kept = form.get("photo_name")
    return kept if kept and form.get("keep_photo") and stored_photo(page.site.settings.upload_dir, kept) else None


def track(page):
    number = page.args.get("id", "").strip()
    if not number:
        return page.render("resident/track.html", record=None, number="")
    if TRACKING_NUMBER.fullmatch(number):
        return page.redirect(f"/track/{number}")
    return page.render("resident/track.html", status=400, record=None, number=number,
                       error=page.gettext("A tracking number looks like 26-0000123."))


def track_request(page, service_request_id):
    with page.uow() as uow:
        rows = [store.public_view(r) for r in store.by_ids(uow.session, [service_request_id])]
    if not rows:
        return page.render("resident/track.html", status=404, record=None, number=service_request_id,
                           error=page.gettext(NO_SUCH_REQUEST))
    record = {**rows[0], "notes": translated_notes(rows[0]["notes"], page.gettext)}
    return page.render("resident/track.html", record=record, number=service_request_id,
                       new=bool(page.args.get("new")), service=page.catalog.find(record["service_code"]),
                       follow_url=_notifications_link(page, "follow", service_request_id),
                       survey_url=_notifications_link(page, "survey", service_request_id))


def _notifications_link(page, what, service_request_id):
    return f"{page.site.settings.notifications_url.rstrip('/')}/{what}?request={service_request_id}"


def media(page, name):
    found = stored_photo(page.site.settings.upload_dir, name)
    if found is None:
        return page.render("error.html", status=404, message=page.gettext("There is no such photo."))
    path, content_type = found
    response = Response(path.read_bytes(), content_type=content_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Content-Disposition"] = "inline"
    return page.finish(response)


def addresses(page):
    found = page.site.gazetteer.suggest(page.args.get("q", ""))
    return page.json({"addresses": [{"address": a.address, "lat": a.lat, "long": a.long} for a in found]})


def nearest_address(page):
    """The known address nearest to ?lat=&long= (a map click, the browser's location), or null."""
    lat, long = decimal_number(page.args.get("lat") or "x"), decimal_number(page.args.get("long") or "x")
    if lat is None or long is None or not (-90 <= lat <= 90 and -180 <= long <= 180):
        return page.json({"error": "send lat (-90 to 90) and long (-180 to 180) as decimal degrees"}, status=400)
    found = page.site.gazetteer.nearest(lat, long)
    return page.json({"address": found and {"address": found.address, "lat": found.lat, "long": found.long}})


def set_language(page, lang):
    if lang in LANGUAGES:
        page.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600)
    return page.redirect(safe_next(page.args.get("next")))
