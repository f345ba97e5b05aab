"""The triage list (kept by routing, on its HTTP API): route by hand and re-route, or say routing is away."""
from werkzeug.datastructures import MultiDict

from services.intake.web import routing_client
from services.intake.web.console_pages import request_detail
from services.intake.web.lookup import TRACKING_NUMBER
from services.intake.web.page import safe_next

UNAVAILABLE = ("The routing service is not answering, so the triage list cannot be shown and nothing can be "
               "routed by hand right now. Requests keep waiting safely; try again in a minute.")


def triage(page, values=None, errors=None, status=200):
    try:
        waiting, unavailable = routing_client.triage_list(page.site.settings.routing_url), None
    except routing_client.RoutingUnavailable:
        waiting, unavailable = None, UNAVAILABLE
    return page.render("console/triage.html", status=status, waiting=waiting, unavailable=unavailable,
                       departments=page.site.departments, values=values or MultiDict(), errors=errors or {},
                       routed=page.args.get("routed"))


def route(page):
    form = MultiDict(page.form)
    errors = _problems(page, form)
    back = safe_next(form.get("back"), "/console/triage")
    if not errors:
        try:
            routing_client.route(page.site.settings.routing_url, form["service_request_id"].strip(),
                                 form["department"], form["reason"].strip(), page.staff.username)
            separator = "&" if "?" in back else "?"
            return page.redirect(f"{back}{separator}routed={form['service_request_id'].strip()}")
        except routing_client.RoutingUnavailable:
            errors["form"] = UNAVAILABLE
            return triage(page, values=form, errors=errors, status=503)
        except routing_client.RoutingRefused as exc:
            errors["form"] = f"Routing refused: {exc.message}"
            # the request is closed (409) is a conflict; an unknown one is a mistake in the form
            return triage(page, values=form, errors=errors, status=409 if exc.status == 409 else 400)
    return triage(page, values=form, errors=errors, status=400)


def not_duplicate(page, service_request_id):
    """A call-taker says a request flagged as a duplicate is a problem of its own."""
    reason = page.form.get("reason", "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Say why it is not the same problem (routing records it with your name)."
    elif len(reason) > 500:
        errors["reason"] = "At most 500 characters."
    status = 400
    if not errors:
        try:
            routing_client.not_duplicate(page.site.settings.routing_url, service_request_id, reason,
                                         page.staff.username)
            return page.redirect(f"/console/requests/{service_request_id}?unmarked=1")
        except routing_client.RoutingUnavailable:
            errors["form"], status = UNAVAILABLE, 503
        except routing_client.RoutingRefused as exc:
            errors["form"], status = f"Routing refused: {exc.message}", 409 if exc.status == 409 else 400
    return request_detail(page, service_request_id, errors=errors, reason=reason, status=status)


def _problems(page, form):
    errors = {}
    if not TRACKING_NUMBER.fullmatch(form.get("service_request_id", "").strip()):
        errors["service_request_id"] = "Enter the tracking number, like 26-0000123."
    if form.get("department") not in {code for code, _ in page.site.departments}:
        errors["department"] = "Choose the department."
    if not form.get("reason", "").strip():
        errors["reason"] = "Say why (routing records it with your name)."
    elif len(form["reason"]) > 500:
        errors["reason"] = "At most 500 characters."
    return errors
