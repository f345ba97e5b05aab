"""The service-request-only mode (`--mix requests`): per rate, the figures of issue 21 and CPU per request.

Per fixed rate (and ramp step):

- offered/s and accepted/s (POSTs answered in the phase's window), work orders/s
  (work orders workorders handed to a department system inside the window,
  whichever request they were for: the pipeline's pace, not the intake's);
- POST p50 / p99 (from when it was sent to its answer, as in the mixed mode);
- handed to the department system, p50 / p99 from the POST's answer: the
  `created_at` workorders puts in WorkOrderCreated, the moment it recorded the
  department system's answer (the RPC's answer for Streets, Watershed, Code
  Enforcement and the direct departments; the ACK file for Solid Waste, the
  answered interface row for Forestry, the Acknowledge message for Transportation);
- present in the department's own records, p50 / p99: the first entry of the
  work order's history in the simulator's admin listing (`GET /admin/workorders`);
- both also per department system;
- CPU milliseconds per service request for each process, each department
  system, the broker node serving the benchmark's port and the PostgreSQL
  backends of its databases (on SQLite the database is inside each service):
  CPU time (user + system) from the phase's start to the end of its drain,
  divided by the service requests accepted in the phase.
"""
import os
from datetime import datetime

from bench.cpu import CpuMeter, broker_node, per_request, postgres_backends, with_children
from bench.ledger import ACCEPTED
from bench.mix import SERVICE_REQUEST
from bench.sampling import pids_matching, pids_named
from bench.stats import percentiles

MIX = "requests"
BROKER, DATABASE, DRIVER = "broker", "database server", "bench driver"


def request_profile(profile):
    """The profile with service requests only (duplicates, address-only and the rest of the mix unchanged)."""
    mix = dict(profile["mix"], information_share=0.0)
    return dict(profile, mix=mix)


def cpu_meter(system):
    """The CPU meter of a run: {group: finder}, and what the broker and database groups are."""
    groups, kinds = {}, {}
    for name, (kind, value) in system.process_groups().items():
        simulated = name in getattr(system, "legacy_systems", ()) or name in ("mailcatcher", "smsgateway")
        label = f"{name} (simulator)" if simulated else name
        groups[label] = with_children(*value) if kind == "pids" else \
            (pids_named(*value) if kind == "named" else pids_matching(value))
        kinds[label] = "simulator" if simulated else "service"
    groups[BROKER], broker = broker_node(system.amqp_uri)
    kinds[BROKER] = "broker"
    urls = getattr(system, "database_urls", None) or {}
    names = [url.rsplit("/", 1)[-1].split("?")[0] for url in urls.values() if url.startswith("postgresql")]
    if names:
        groups[DATABASE] = postgres_backends(names)
        kinds[DATABASE] = "database"
        database = f"PostgreSQL backends of the benchmark's {len(names)} databases"
    else:
        database = "SQLite: inside each service's process (counted there)" if urls else "not measured"
    groups[DRIVER] = lambda: [os.getpid()]
    kinds[DRIVER] = "driver"
    return CpuMeter(groups), {"kinds": kinds, "broker": broker, "database": database}


def _epoch(text):
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (AttributeError, ValueError):
        return None


def department_records(listings):
    """{tracking id: (system, first time in its history)} from the simulators' admin listings."""
    present = {}
    for system, orders in (listings or {}).items():
        for order in orders:
            history = [_epoch(h["at"]) for h in order.get("history") or () if h.get("at")]
            history = [t for t in history if t is not None]
            if history:
                at = min(history)
                known = present.get(order["external_reference"])
                if known is None or at < known[1]:
                    present[order["external_reference"]] = (system, at)
    return present


def figures(schedule, ledger, observed, listings, cpu_marks, phases):
    """Per phase: the request-mode figures (see the module's doc). `phases`: the summaries by phase name."""
    present = department_records(listings)
    handed = {rid: (r.get("handed_system"), r["handed_off_at"]) for rid, r in observed.items()
              if r.get("handed_off_at") is not None}
    rows = []
    for n, window in enumerate(schedule.windows):
        accepted = [e for e in ledger.of_phase(window.phase)
                    if e.outcome == ACCEPTED and e.kind == SERVICE_REQUEST]
        summary = phases[window.phase]
        made = sum(1 for _, at in handed.values() if window.started_at <= at <= window.ended_at)
        used, cpu_window = _cpu(cpu_marks, window)
        rows.append({
            "phase": window.phase, "offered_rate": window.rate,
            "offered_per_s": summary["offered_per_s"], "accepted_per_s": summary["accepted_per_s"],
            "accepted": len(accepted),
            "work_orders_per_s": round(made / window.seconds, 2) if window.seconds else None,
            "post_seconds": summary["post_seconds"],
            "handed_off": _since_answer(accepted, handed),
            "present_in_department": _since_answer(accepted, present),
            "cpu_window": cpu_window,
            "cpu": used,
            "cpu_ms_per_request": per_request(used, len(accepted)) if used else {},
        })
    return rows


def _since_answer(accepted, times):
    """Seconds from the POST's answer to a time per request: overall and per department system."""
    overall, by_system = [], {}
    for entry in accepted:
        if entry.tracking_id in times:
            system, at = times[entry.tracking_id]
            overall.append(at - entry.answered_at)
            by_system.setdefault(system or "?", []).append(at - entry.answered_at)
    return {"seconds": percentiles(overall), "of": len(accepted),
            "by_system": {s: percentiles(v) for s, v in sorted(by_system.items())}}


def _cpu(marks, window):
    """CPU used from the snapshot taken at the phase's start to the next one (its drain's end, or the next
    phase's start)."""
    starts = [i for i, m in enumerate(marks) if m["label"] == f"start {window.phase}"]
    if not starts or starts[0] + 1 >= len(marks):
        return {}, None
    begin, end = marks[starts[0]], marks[starts[0] + 1]
    return CpuMeter.used(begin["snapshot"], end["snapshot"]), {"from": begin["label"], "to": end["label"],
                                                                "seconds": round(end["snapshot"]["t"]
                                                                                 - begin["snapshot"]["t"], 1)}


# -- the table ------------------------------------------------------------------------------------
def markdown(results):
    """The request-mode tables (empty when the run was not in this mode)."""
    block = results.get("service_requests")
    if not block:
        return []
    rows = block["phases"]
    lines = ["## Service requests only: per rate", "",
             "Work orders/s: handed to a department system inside the phase's window. Handed off: WorkOrderCreated's "
             "`created_at` (workorders recorded the department system's answer). Present: the work order's first "
             "history entry in the department system's own records. Both from the POST's answer, p50 / p99 in "
             "seconds (reached of accepted).", "",
             "| phase | offered/s | accepted/s | work orders/s | POST p50 / p99 (ms) | handed off p50 / p99 (s) "
             "| present in department p50 / p99 (s) |", "|---|---:|---:|---:|---|---|---|"]
    for r in rows:
        post = r["post_seconds"]
        post_text = f"{post['p50'] * 1000:.0f} / {post['p99'] * 1000:.0f}" if post["count"] else "–"
        lines.append(f"| {r['phase']} | {r['offered_per_s']} | {r['accepted_per_s']} | {r['work_orders_per_s']} "
                     f"| {post_text} | {_p50_p99(r['handed_off'])} | {_p50_p99(r['present_in_department'])} |")
    systems = sorted({s for r in rows for key in ("handed_off", "present_in_department")
                      for s in r[key]["by_system"]})
    if systems:
        lines += ["", "Per department system, handed off / present (p50 / p99 s, count):", "",
                  "| system | " + " | ".join(r["phase"] for r in rows) + " |", "|---|" + "---|" * len(rows)]
        for system in systems:
            cells = [f"{_short(r['handed_off']['by_system'].get(system))} · "
                     f"{_short(r['present_in_department']['by_system'].get(system))}" for r in rows]
            lines.append(f"| {system} | " + " | ".join(cells) + " |")
    lines += [""] + cpu_table(results)
    return lines + [""]


def cpu_table(results):
    block = results["service_requests"]
    rows, kinds = block["phases"], block["cpu_groups"]["kinds"]
    names = sorted(kinds, key=lambda n: (_ORDER.index(kinds[n]), n))
    lines = ["CPU milliseconds per service request (user + system CPU time from the phase's start to the end "
             "of its drain, divided by the service requests accepted in the phase). Broker: "
             f"{block['cpu_groups']['broker']}. Database: {block['cpu_groups']['database']}.", "",
             "| process | " + " | ".join(r["phase"] for r in rows) + " |", "|---|" + "---:|" * len(rows)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(_ms(r["cpu_ms_per_request"].get(name)) for r in rows) + " |")
    for label, chosen in (("city311 services", ("service",)), ("department systems (simulators)", ("simulator",)),
                          ("everything measured but the driver", ("service", "simulator", "broker", "database"))):
        lines.append(f"| **{label}** | " + " | ".join(
            _ms(_sum(r["cpu_ms_per_request"], kinds, chosen)) for r in rows) + " |")
    lines.append("| window (s) | " + " | ".join(str((r["cpu_window"] or {}).get("seconds", "–")) for r in rows) + " |")
    lines.append("| service requests accepted | " + " | ".join(str(r["accepted"]) for r in rows) + " |")
    return lines


_ORDER = ["service", "simulator", "broker", "database", "driver"]


def _sum(values, kinds, chosen):
    picked = [v for name, v in values.items() if kinds.get(name) in chosen and v is not None]
    return round(sum(picked), 2) if picked else None


def _ms(value):
    return "–" if value is None else f"{value:.1f}"


def _p50_p99(figure):
    s = figure["seconds"]
    if not s["count"]:
        return f"– (0 of {figure['of']})"
    return f"{s['p50']:.2f} / {s['p99']:.2f} ({s['count']} of {figure['of']})"


def _short(s):
    return "–" if not s or not s["count"] else f"{s['p50']:.2f} / {s['p99']:.2f} ({s['count']})"
