"""Staff administration (administrators): the accounts, add one, change a role, disable or enable one."""
import structlog

from services.intake.web import staff
from shared.roles import ROLE_NAMES, ROLES

log = structlog.get_logger("city311.intake.web")


def staff_list(page, values=None, errors=None, status=200):
    with page.uow() as uow:
        rows = staff.accounts(uow.session)
    return page.render("console/staff.html", status=status, accounts=rows, roles=ROLES, role_names=ROLE_NAMES,
                       values=values or {}, errors=errors or {}, done=page.args.get("done"))


def add(page):
    form = {name: page.form.get(name, "") for name in ("username", "display_name", "role", "password")}
    try:
        with page.uow() as uow:
            account = staff.add_account(uow.session, form["username"], form["display_name"], form["password"],
                                        form["role"])
            username = account.username
    except ValueError as exc:
        return staff_list(page, values={**form, "password": ""}, errors={"form": str(exc)}, status=400)
    log.info("staff account added", staff=page.staff.username, account=username, role=form["role"])
    return page.redirect(f"/console/staff?done={username}")


def change(page, username):
    role, active = page.form.get("role", ""), page.form.get("active") == "yes"
    if username == page.staff.username and (not active or role != page.staff.role):
        return staff_list(page, errors={"form": "You cannot disable your own account or change your own role "
                                                "(another administrator can)."}, status=400)
    try:
        with page.uow() as uow:
            staff.change_account(uow.session, username, role, active)
    except ValueError as exc:
        return staff_list(page, errors={"form": str(exc)}, status=400)
    log.info("staff account changed", staff=page.staff.username, account=username, role=role, active=active)
    return page.redirect(f"/console/staff?done={username}")
