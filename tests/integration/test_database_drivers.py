"""Database drivers under eventlet: a slow query in one worker must not stall the others."""
import subprocess
import sys
import textwrap

import pytest

from tests.support.databases import POSTGRES_ADMIN_URL, postgres_reachable
from tests.support.processes import ROOT

SCRIPT = textwrap.dedent("""
    import eventlet
    eventlet.monkey_patch()
    import sys
    from sqlalchemy import text
    from shared.persistence.engine import make_engine
    engine = make_engine(sys.argv[1])
    order = []
    def slow():
        with engine.connect() as c:
            c.execute(text("SELECT pg_sleep(1.5)"))
        order.append("slow query done")
    def other():
        eventlet.sleep(0.2)
        order.append("other worker ran")
    pool = eventlet.GreenPool()
    pool.spawn(slow); pool.spawn(other); pool.waitall()
    print(order)
""")


@pytest.mark.postgres
def test_psycopg2_yields_to_other_greenthreads_while_waiting():
    if not postgres_reachable():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    done = subprocess.run([sys.executable, "-c", SCRIPT, POSTGRES_ADMIN_URL], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    # Blocking the hub would let the other worker run only after the query.
    assert done.stdout.strip() == "['other worker ran', 'slow query done']"
