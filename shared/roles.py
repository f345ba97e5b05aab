"""Staff roles and what each may do: the one permission table, read by intake's console and routing's API.

A staff member has one role. A permission is an action (or a set of pages) some roles may take;
every console page names the permission it needs, and a refusal says which roles may.
"""

CALL_TAKER, SUPERVISOR, OPERATIONS, ADMINISTRATOR = "call_taker", "supervisor", "operations", "administrator"
ROLES = (CALL_TAKER, SUPERVISOR, OPERATIONS, ADMINISTRATOR)
ROLE_NAMES = {CALL_TAKER: "call-taker", SUPERVISOR: "supervisor", OPERATIONS: "operations",
              ADMINISTRATOR: "administrator"}

TAKE_CALLS = "take_calls"
ROUTE_TRIAGED = "route_triaged"
REROUTE = "reroute"
DECLARE_INCIDENT = "declare_incident"
EDIT_KNOWLEDGE = "edit_knowledge"
WATCH_OPERATIONS = "watch_operations"
HANDLE_DEAD_LETTERS = "handle_dead_letters"
ADMINISTER_STAFF = "administer_staff"

# permission: (what it allows, in the words of a refusal; the roles that have it)
PERMISSIONS = {
    TAKE_CALLS: ("answer calls, file requests, look callers up and follow up residents' answers",
                 {CALL_TAKER, SUPERVISOR, ADMINISTRATOR}),
    ROUTE_TRIAGED: ("route a request waiting in triage",
                    {CALL_TAKER, SUPERVISOR, ADMINISTRATOR}),
    REROUTE: ("re-route a request a department already has",
              {SUPERVISOR, ADMINISTRATOR}),
    DECLARE_INCIDENT: ("declare an incident (a storm, an outage)",
                       {SUPERVISOR, ADMINISTRATOR}),
    EDIT_KNOWLEDGE: ("add or change knowledge-base articles",
                     {SUPERVISOR, ADMINISTRATOR}),
    WATCH_OPERATIONS: ("see the operations console (queues, dead letters, services' readiness)",
                       {OPERATIONS, ADMINISTRATOR}),
    HANDLE_DEAD_LETTERS: ("replay or discard dead letters",
                          {OPERATIONS, ADMINISTRATOR}),
    ADMINISTER_STAFF: ("add staff accounts and change their roles",
                       {ADMINISTRATOR}),
}


class PermissionDenied(Exception):
    """The staff member's role does not have the permission; the message says who may (HTTP 403)."""
    status = 403


def allows(role, permission):
    """True when `role` has `permission`; KeyError for a permission the table does not know (a bug)."""
    return role in PERMISSIONS[permission][1]


def require(role, permission):
    """PermissionDenied, naming the action and the roles that may take it, unless `role` has `permission`."""
    if not allows(role, permission):
        action, roles = PERMISSIONS[permission]
        who = " or ".join(ROLE_NAMES[r] for r in ROLES if r in roles)
        article = "an" if who[0] in "aeiou" else "a"
        raise PermissionDenied(f"Your role ({ROLE_NAMES.get(role, role or 'none')}) may not {action}; "
                               f"{article} {who} may.")


def permissions_of(role):
    """The permissions `role` has, in the table's order."""
    return [name for name, (_, roles) in PERMISSIONS.items() if role in roles]


def home_page(role):
    """Where a staff member lands after signing in: the call console, or operations for the operations role."""
    return "/console" if allows(role, TAKE_CALLS) else "/console/operations"
