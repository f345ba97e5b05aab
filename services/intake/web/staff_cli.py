"""Add a staff account to intake's database:

    .venv/bin/python -m services.intake.web.staff_cli add USERNAME --name "Full Name" [--role supervisor]
    .venv/bin/python -m services.intake.web.staff_cli unlock USERNAME   (lift a sign-in lock)

The password is read from the terminal (twice), or from standard input with
--password-stdin. The database is intake's (INTAKE_DATABASE_URL or
deploy/config/intake.yaml), migrated first.
"""
import argparse
import getpass
import sys

from sqlalchemy.orm import Session

from services.intake.web.signin_throttle import unlock
from services.intake.web.staff import ROLES, accounts, add_account
from shared.config import load_service_config
from shared.persistence.engine import make_engine


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.intake.web.staff_cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a staff account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="display name, shown in the console")
    add.add_argument("--role", choices=ROLES, default="call_taker")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    commands.add_parser("list", help="list staff accounts")
    unlocking = commands.add_parser("unlock", help="lift the sign-in lock of an account (after repeated failures)")
    unlocking.add_argument("username")
    args = parser.parse_args(argv)
    engine = make_engine(load_service_config("intake")["DATABASE_URL"])
    with Session(engine) as session, session.begin():
        if args.command == "list":
            for account in accounts(session):
                print(f"{account.username}\t{account.role}\t{'active' if account.active else 'disabled'}\t"
                      f"{account.display_name}")
            return 0
        if args.command == "unlock":
            print(f"unlocked {args.username}" if unlock(session, args.username) else
                  f"{args.username} had no failed sign-ins to forgive")
            return 0
        try:
            add_account(session, args.username, args.name, _password(args.password_stdin), args.role)
        except ValueError as exc:
            print(f"not added: {exc}", file=sys.stderr)
            return 1
    print(f"added {args.username.strip().lower()} ({args.role})")
    return 0


def _password(from_stdin):
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise ValueError("the two passwords differ")
    return first


if __name__ == "__main__":
    sys.exit(main())
