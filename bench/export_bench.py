"""Open-data export benchmark: a year of generated request facts, exported as CSV the way GET /api/export.csv
streams it (queries.export_rows read in chunks, export.csv_chunks), measuring rows per second and how much
memory the export adds to its process.

    python -m bench.export_bench --facts 1000000                       (SQLite file in a temporary folder)
    python -m bench.export_bench --facts 1000000 --database-url postgresql://localhost/bench311

The export runs in a process of its own, so its peak resident memory is the export's, not the generator's:
"memory_added_mib" is that peak minus the process's size just before exporting. The database is migrated
and filled here; on PostgreSQL use an empty database of its own (its request_facts table is emptied).
"""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert

CHANNELS = ("web", "phone", "mobile", "sms", "email")
SERVICES = (("POTHOLE", "Pothole", "PW-STREETS"), ("WATER_LEAK", "Water leak", "WATERSHED"),
            ("MISSED_TRASH", "Missed trash pickup", "SANITATION"), ("DOWNED_TREE", "Downed tree", "PARKS"),
            ("STREETLIGHT_OUT", "Streetlight out", "TRANSPORTATION"))
STAGES = ("received", "routed", "work_order_created", "assigned", "in_progress", "on_hold", "cancelled", "closed")
STREETS = ("Peachtree St SE", "Trinity Ave SW", "Edgewood Ave NE", "Auburn Ave NE", "Ponce de Leon Ave NE")
YEAR_START = datetime(2025, 1, 1, tzinfo=timezone.utc)


def generated(n, seed=311):
    """n request facts created over one year, with every column the export reads."""
    rng = random.Random(seed)
    for i in range(n):
        code, name, department = rng.choice(SERVICES)
        created = YEAR_START + timedelta(seconds=rng.randrange(365 * 86400))
        stage = rng.choice(STAGES)
        closed = created + timedelta(hours=rng.uniform(1, 400)) if stage in ("closed", "cancelled") else None
        yield {
            "service_request_id": f"25-{i:08d}", "created_at": created, "routed_at": created + timedelta(seconds=2),
            "work_order_at": created + timedelta(seconds=5), "closed_at": closed, "is_open": closed is None,
            "status_changed_at": closed or created, "due_at": created + timedelta(days=3), "stage": stage,
            "status": "closed" if closed else "open", "service_code": code, "service_name": name,
            "department": department, "department_name": department.title(), "channel": rng.choice(CHANNELS),
            "priority": "normal", "address_block": f"{rng.randrange(40) * 100} block of {rng.choice(STREETS)}",
            "district": f"CD-{rng.randrange(1, 13):02d}", "neighbourhood": "Downtown",
            "duplicate_of": f"25-{i - 1:08d}" if i and rng.random() < 0.05 else None,
            "resolution_code": "FIXED" if closed else None, "resolution": "Crew completed the work" if closed else None,
            "lat": round(33.7 + rng.random() / 10, 3), "long": round(-84.4 + rng.random() / 10, 3),
            "work_order_failed": False, "notifications_sent": 1, "notifications_failed": 0,
            "updated_at": closed or created,
        }


def fill(database_url, n, batch=10_000):
    from services.metrics.models import RequestFact
    from shared.persistence.engine import make_engine
    from shared.persistence.migrations import upgrade
    upgrade("metrics", database_url)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(delete(RequestFact))
    rows, started = [], time.perf_counter()
    for fact in generated(n):
        rows.append(fact)
        if len(rows) == batch:
            with engine.begin() as connection:
                connection.execute(insert(RequestFact), rows)
            rows = []
    if rows:
        with engine.begin() as connection:
            connection.execute(insert(RequestFact), rows)
    return time.perf_counter() - started


def export_here(database_url):
    """Export the whole year as the endpoint does (to nowhere), and report rows/s and memory."""
    from sqlalchemy.orm import sessionmaker

    from services.metrics import export, geography, queries
    from shared.config import PROJECT_ROOT
    from shared.persistence.engine import make_engine
    place = geography.load(PROJECT_ROOT / "deploy" / "jurisdictions" / "sample")
    selection = queries.parse_export({"from": "2024-12-31", "to": "2026-01-01"}, place.timezone,
                                     datetime.now(timezone.utc))
    sessions = sessionmaker(make_engine(database_url))
    before = _rss_mib()
    started, rows, size = time.perf_counter(), -1, 0
    with sessions() as session:
        for chunk in export.csv_chunks(queries.export_rows(session, selection, export.COLUMNS), place):
            rows += chunk.count("\r\n")
            size += len(chunk.encode())
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds),
            "csv_mib": round(size / 2**20, 1), "rss_before_export_mib": round(before, 1),
            "peak_rss_mib": round(peak, 1), "memory_added_mib": round(peak - before, 1)}


def _rss_mib():
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.export_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--facts", type=int, default=1_000_000, help="request facts to generate (default 1,000,000)")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--export-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.facts < 1:
        parser.error("--facts must be at least 1")
    if args.export_only:
        print(json.dumps(export_here(args.database_url)))
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/metrics-bench.sqlite"
        fill_seconds = fill(url, args.facts)
        child = subprocess.run([sys.executable, "-m", "bench.export_bench", "--export-only", "--database-url", url],
                               capture_output=True, text=True, check=True, timeout=6 * 3600)
        result = {"facts": args.facts, "database": url.split(":", 1)[0], "fill_seconds": round(fill_seconds, 1),
                  **json.loads(child.stdout.strip().splitlines()[-1])}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
