"""The triage and follow-up lists (kept by routing, on its HTTP API): route by hand and re-route, follow up a
resident's "not fixed" answer, or say routing is away."""
from urllib.parse import quote, urlencode

from werkzeug.datastructures import MultiDict

from services.intake import store
from services.intake.web import routing_client
from services.intake.web.console_pages import request_detail
from services.intake.web.lookup import TRACKING_NUMBER
from services.intake.web.page import safe_next
from shared import roles

UNAVAILABLE = ("The routing service is not answering, so the triage list cannot be shown and nothing can be "
               "routed by hand right now. Requests keep waiting safely; try again in a minute.")


REASON_LIMIT = 300   # routing keeps at most this much of a staff member's reason


def triage(page, values=None, errors=None, status=200):
    """Requests waiting for a person, and closed ones whose reporter said the problem was not fixed."""
    try:
        api = routing_api(page)
        waiting, follow_ups, unavailable = routing_client.triage_list(api), routing_client.follow_up_list(api), None
    except routing_client.RoutingUnavailable:
        waiting, follow_ups, unavailable = None, None, UNAVAILABLE
    return page.render("console/triage.html", status=status, waiting=waiting, follow_ups=follow_ups,
                       unavailable=unavailable, departments=page.site.departments, values=values or MultiDict(),
                       errors=errors or {}, routed=page.args.get("routed"),
                       followed_up=page.args.get("followed_up"), follow_up_link=follow_up_link)


def routing_api(page):
    """Routing's staff API, acting for the signed-in staff member (routing records who acted from the token)."""
    return routing_client.for_staff(page.site.settings.routing_url, page.site.service_tokens, page.staff)


def follow_up_link(waiting):
    """The file form for a new request at the same place, saying what it follows up.

    Not the survey comment: a description is public (Open311), and the resident wrote it for us.
    """
    prefill = {"address_string": waiting.get("address") or "", "lat": waiting.get("lat") or "",
               "long": waiting.get("long") or "",
               "description": f"Follow-up of {waiting['service_request_id']}: the resident says it was not fixed."}
    return f"/console/file/{quote(waiting['service_code'])}?{urlencode(prefill)}"


def followed_up(page, service_request_id):
    """A call-taker says what was done about a "not fixed" answer (filed a follow-up, called the crew...)."""
    note = page.form.get("note", "").strip()
    done, errors, status = _ask_routing(
        page, "note", note, "Say what was done (a follow-up request's number, who was called).",
        lambda: routing_client.followed_up(routing_api(page), service_request_id, note),
        f"/console/triage?followed_up={service_request_id}")
    if done:
        return done
    errors["follow_up"] = service_request_id
    return triage(page, values=MultiDict({"note": note}), errors=errors, status=status)


def _ask_routing(page, field, text, missing, act, done_url):
    """Check a staff member's words and pass them to routing: (redirect, None, None) or (None, errors, status)."""
    if not text:
        return None, {field: missing}, 400
    if len(text) > REASON_LIMIT:
        return None, {field: f"At most {REASON_LIMIT} characters."}, 400
    try:
        act()
        return page.redirect(done_url), None, None
    except routing_client.RoutingUnavailable:
        return None, {"form": UNAVAILABLE}, 503
    except routing_client.RoutingRefused as exc:
        return None, {"form": f"Routing refused: {exc.message}"}, 409 if exc.status == 409 else 400


def route(page):
    form = MultiDict(page.form)
    errors = _problems(page, form)
    back = safe_next(form.get("back"), "/console/triage")
    if not errors and not page.can(roles.REROUTE) and _already_routed(page, form["service_request_id"].strip()):
        try:
            roles.require(page.staff.role, roles.REROUTE)
        except roles.PermissionDenied as refused:
            errors["form"] = str(refused)
            return triage(page, values=form, errors=errors, status=403)
    if not errors:
        try:
            routing_client.route(routing_api(page), form["service_request_id"].strip(),
                                 form["department"], form["reason"].strip())
            separator = "&" if "?" in back else "?"
            return page.redirect(f"{back}{separator}routed={form['service_request_id'].strip()}")
        except routing_client.RoutingUnavailable:
            errors["form"] = UNAVAILABLE
            return triage(page, values=form, errors=errors, status=503)
        except routing_client.RoutingRefused as exc:
            errors["form"] = f"Routing refused: {exc.message}"
            # the request is closed (409) is a conflict, a role that may not is 403; an unknown one is a mistake
            return triage(page, values=form, errors=errors, status=exc.status if exc.status in (403, 409) else 400)
    return triage(page, values=form, errors=errors, status=400)


def _already_routed(page, service_request_id):
    """True when intake's record says a department has the request (routing, the authority, checks too)."""
    with page.uow() as uow:
        rows = store.by_ids(uow.session, [service_request_id])
        return bool(rows and rows[0].agency_responsible)


def not_duplicate(page, service_request_id):
    """A call-taker says a request flagged as a duplicate is a problem of its own."""
    reason = page.form.get("reason", "").strip()
    done, errors, status = _ask_routing(
        page, "reason", reason, "Say why it is not the same problem (routing records it with your name).",
        lambda: routing_client.not_duplicate(routing_api(page), service_request_id, reason),
        f"/console/requests/{service_request_id}?unmarked=1")
    return done or request_detail(page, service_request_id, errors=errors, reason=reason, status=status)


def reopen(page, service_request_id):
    """A call-taker reopens a closed request that was not fixed; routing asks the department to work on it again."""
    reason = page.form.get("reopen_reason", "").strip()
    done, errors, status = _ask_routing(
        page, "reopen_reason", reason, "Say why it is reopened (routing records it with your name).",
        lambda: routing_client.reopen(routing_api(page), service_request_id, reason),
        f"/console/requests/{service_request_id}?reopened=1")
    return done or request_detail(page, service_request_id, errors=errors, reopen_reason=reason, status=status)


def _problems(page, form):
    errors = {}
    if not TRACKING_NUMBER.fullmatch(form.get("service_request_id", "").strip()):
        errors["service_request_id"] = "Enter the tracking number, like 26-0000123."
    if form.get("department") not in {code for code, _ in page.site.departments}:
        errors["department"] = "Choose the department."
    if not form.get("reason", "").strip():
        errors["reason"] = "Say why (routing records it with your name)."
    elif len(form["reason"]) > REASON_LIMIT:
        errors["reason"] = f"At most {REASON_LIMIT} characters."
    return errors
