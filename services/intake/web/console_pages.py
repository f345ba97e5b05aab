"""The call-taker console: sign in, answer from the knowledge base, file or attach, look a caller up."""
from datetime import datetime

import structlog
from werkzeug.datastructures import MultiDict

from services.intake import store
from services.intake.knowledge import articles, contacts
from services.intake.knowledge.search import search
from services.intake.knowledge.translations import in_language
from services.intake.open311.contact import normalise_email, normalise_phone
from services.intake.open311.errors import Open311Error
from services.intake.open311.params import decimal_number
from services.intake.open311.text import checked_text
from services.intake.web import followers, lookup, signin_throttle, staff
from services.intake.web.page import STAFF_COOKIE, safe_next
from services.intake.web.request_form import answers_as_text, read_report_form
from services.intake.web.service_finder import find_services
from shared import roles

log = structlog.get_logger("city311.intake.web")
CONSOLE_APPLICATION = "city311-callcenter"
CHANNELS = contacts.CHANNELS


# -- signing in and out ---------------------------------------------------------------
def signin_form(page):
    return page.render("console/signin.html", username="", next=safe_next(page.args.get("next"), ""))


def signin_submit(page):
    """Sign in, unless this account or this client address is locked out by too many failures (throttled)."""
    username, target = page.form.get("username", ""), safe_next(page.form.get("next"), "")
    address = page.request.remote_addr or "unknown"
    said = {"account": username.strip().lower()[:60], "client": address}
    with page.uow() as uow:
        wait = signin_throttle.locked_for(uow.session, username, address)
        if wait:
            log.warning("staff sign-in refused: locked after repeated failures", **said, retry_in_seconds=int(wait))
            minutes = max(1, round(wait / 60))
            return page.render("console/signin.html", status=429, username=username, next=target,
                               error=f"Too many failed sign-ins. Try again in {minutes} minute"
                                     f"{'s' if minutes > 1 else ''}, or ask an administrator to unlock the account.")
        signed = staff.sign_in(uow.session, username, page.form.get("password", ""), page.site.session_policy)
        if signed is None:
            signin_throttle.record_failure(uow.session, username, address, page.site.throttle)
        else:
            signin_throttle.succeeded(uow.session, username)
    if signed is None:
        log.info("staff sign-in refused: wrong username or password, or a disabled account", **said)
        return page.render("console/signin.html", status=401, username=username, next=target,
                           error="Wrong username or password, or the account is disabled.")
    account, token = signed
    page.set_cookie(STAFF_COOKIE, token, path="/console")
    log.info("staff signed in", **said, role=account.role)
    return page.redirect(target or roles.home_page(account.role))


def signout(page):
    with page.uow() as uow:
        staff.sign_out(uow.session, page.staff_token)
    page.set_cookie(STAFF_COOKIE, None, path="/console")
    return page.redirect("/console/signin")


# -- one call: answer it, or file / attach --------------------------------------------
def call(page):
    query = page.args.get("q", "").strip()
    found = None
    if query:
        with page.uow() as uow:
            found = search(uow.session, query, _today(page))
    return _render_call(page, q=query, found=found, logged=page.args.get("logged"))


def _render_call(page, status=200, **values):
    return page.render("console/call.html", status=status, channels=CHANNELS,
                       versions=lambda article: answer_versions(article, page.lang), **values)


def answer_versions(article, language):
    """The article's texts a call-taker can read out, [{lang, question, answer}], the console's language first.

    English always; Spanish too when the article has it (for a Spanish-speaking caller).
    """
    versions = []
    for code in ("en", "es"):
        texts = in_language(article, code)
        if texts:
            versions.append({"lang": code, "question": texts[0], "answer": texts[1]})
    return sorted(versions, key=lambda version: version["lang"] != language)


def log_answer(page):
    form = page.form
    channel = form.get("channel") if form.get("channel") in CHANNELS else None
    topic = (form.get("topic") or "").strip()
    with page.uow() as uow:
        article = articles.by_slug(uow.session, form.get("article", "")) if form.get("article") else None
        topic = article.question if article else topic
        if channel is None or not topic or len(topic) > 300:
            found = search(uow.session, form.get("q", ""), _today(page)) if form.get("q") else None
            return _render_call(page, status=400, q=form.get("q", ""), found=found, topic=topic,
                                error="Say what the caller asked (at most 300 characters) and how they reached us.")
        contact = contacts.log_answer(uow, topic, article, channel, page.staff.username)
        contact_id = contact.contact_id
    return page.redirect(f"/console?logged={contact_id}")


def choose_service(page):
    words = page.args.get("q", "")
    return page.render("console/services.html", q=words, services=find_services(page.jurisdiction.catalog, words))


# Fields a link may fill in ahead (a follow-up of a request: same place, what it follows up).
PREFILLED = ("address_string", "lat", "long", "description")


def file_form(page, service_code):
    service = page.jurisdiction.catalog.find(service_code)
    if service is None:
        return page.render("error.html", status=404, message=f"There is no service {service_code}.")
    values = MultiDict({"channel": "phone", **{key: page.args[key] for key in PREFILLED if page.args.get(key)}})
    return page.render("console/file.html", service=service, values=values, errors={}, nearby=None,
                       channels=CHANNELS)


def file_submit(page, service_code):
    service = page.jurisdiction.catalog.find(service_code)
    if service is None:
        return page.render("error.html", status=404, message=f"There is no service {service_code}.")
    form = MultiDict(page.form)
    if form.get("attach"):
        return _attach(page, service, form, form["attach"])
    outcome = read_report_form(form, service, page.jurisdiction, page.site.gazetteer, page.gettext)
    if form.get("channel") not in CHANNELS:
        outcome.errors["channel"] = "Choose how the caller reached us."
    nearby = _nearby(page, service, form)
    action = form.get("action", "file")
    if outcome.errors or action == "check" or (nearby and action != "file_anyway"):
        return page.render("console/file.html", status=400 if outcome.errors else 200, service=service,
                           values=form, errors=outcome.errors, nearby=nearby, channels=CHANNELS)
    with page.uow() as uow:
        record = store.file_request(uow, outcome.new, service, page.jurisdiction.jurisdiction_id,
                                    channel=form["channel"], application=CONSOLE_APPLICATION,
                                    call_taker=page.staff.username, notify_by=outcome.notify_by,
                                    language=form.get("language") if form.get("language") in ("en", "es") else "en")
        service_request_id = record.service_request_id
    log.info("service request accepted", service_code=service.service_code, channel=form["channel"],
             correlation_id=service_request_id)
    return page.redirect(f"/console/requests/{service_request_id}?filed=1")


def _nearby(page, service, form):
    point = _point(page, form)
    if point is None:
        return []
    with page.uow() as uow:
        return lookup.open_nearby(uow.session, service.service_code, *point)


def _point(page, form):
    lat, long = decimal_number(form.get("lat") or "x"), decimal_number(form.get("long") or "x")
    if lat is not None and long is not None and -90 <= lat <= 90 and -180 <= long <= 180:
        return lat, long
    known = page.site.gazetteer.resolve(form.get("address_string", ""))
    return (known.lat, known.long) if known else None


def _attach(page, service, form, service_request_id):
    errors, contact = {}, {}
    for name, check in (("email", normalise_email), ("phone", normalise_phone)):
        try:
            contact[name] = check(form[name]) if form.get(name, "").strip() else None
        except Open311Error as exc:
            errors[name] = exc.description
    for name in ("first_name", "last_name"):
        try:
            contact[name] = checked_text(name, form[name], 120, single_line=True).strip() or None \
                if form.get(name, "").strip() else None
        except Open311Error as exc:
            errors[name] = exc.description
    if not errors and not (contact["email"] or contact["phone"]):
        errors["email"] = "To follow a request the caller needs an email address or a phone number."
    notify_by = form.get("notify_by") if form.get("notify_by") in ("email", "sms") else (
        "email" if contact.get("email") else "sms")
    if not errors:
        try:
            with page.uow() as uow:
                followers.attach_caller(uow, service_request_id, contact, notify_by,
                                        form.get("language") if form.get("language") in ("en", "es") else "en",
                                        form.get("channel") if form.get("channel") in CHANNELS else "phone",
                                        page.staff.username)
            return page.redirect(f"/console/requests/{service_request_id}?attached=1")
        except followers.CannotFollow as exc:
            errors["form"] = page.gettext(exc.reason)
    return page.render("console/file.html", status=400, service=service, values=form, errors=errors,
                       nearby=_nearby(page, service, form), channels=CHANNELS)


def request_detail(page, service_request_id, errors=None, reason="", status=200, reopen_reason=""):
    with page.uow() as uow:
        rows = store.by_ids(uow.session, [service_request_id])
        if not rows:
            return page.render("error.html", status=404, message=f"There is no request {service_request_id}.")
        record = rows[0]
        view = store.public_view(record)
        contact, watchers = lookup.contact_of(uow.session, record), followers.followers_of(uow.session, record)
    service = page.jurisdiction.catalog.find(record.service_code)
    return page.render("console/request.html", status=status, record=record, view=view, contact=contact,
                       followers=watchers, errors=errors or {}, reason=reason,
                       answers=answers_as_text(service, record.attributes or {}) if service else [],
                       filed=page.args.get("filed"), attached=page.args.get("attached"),
                       routed=page.args.get("routed"), unmarked=page.args.get("unmarked"),
                       reopened=page.args.get("reopened"), reopen_reason=reopen_reason)


def caller_lookup(page):
    typed = page.args.get("q", "").strip()
    rows, error = None, None
    if typed:
        try:
            with page.uow() as uow:
                rows = [store.public_view(r) for r in lookup.requests_of_caller(uow.session, typed)]
        except lookup.UnreadableSearch:
            error = "Enter a tracking number (26-0000123), an email address or a phone number."
    return page.render("console/lookup.html", status=400 if error else 200, q=typed, rows=rows, error=error)


def _today(page):
    return datetime.now(page.jurisdiction.timezone).date()
