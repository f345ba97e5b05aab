"""The markdown report: machine, configuration, broker ceiling, and one table per question."""
from bench import service_requests
from bench.stats import NOT_CITY311


def markdown(results, plot):
    lines = [f"# city311 benchmark, {results['started']}", ""]
    lines += _machine(results) + _targets(results) + _ceiling(results) + _throughput(results)
    lines += service_requests.markdown(results) + _latency(results)
    lines += _stages(results)
    lines += _accounting(results) + _processes(results) + _exactly_once(results)
    lines += ["", f"![throughput, latency and backlog]({plot})", ""]
    return "\n".join(lines)


def _machine(results):
    m, c = results["machine"], results["config"]
    return [f"Machine: {m['cpu_model']}, {m['logical_cores']} cores, {m['memory_gb']} GB, Python {m['python']}, "
            f"RabbitMQ {m['rabbitmq']}, load average before the run {m['load_average_before']}"
            f" (commit {m['git_commit']}{' + local changes' if m['git_dirty'] else ''}).",
            f"System: {c['system']}; databases {c['db']}; instances {c['instances'] or 'one of each'}; "
            f"legacy systems {', '.join(c['legacy_systems'])}; crew speed {c['crew_speed']}.",
            f"Mix: {c['mix']}.", f"Note: {c['note']}" if c.get("note") else "", ""]


def _targets(results):
    """The issue's targets next to what this run measured (a missing phase says so)."""
    phases = {p["phase"]: p for p in results["phases"]}
    at_100 = phases.get("fixed-100")
    post_p99 = at_100 and at_100["post_seconds"]["p99"]
    order_p99 = at_100 and at_100["milestones"]["service_request.work_order"]["seconds"]["p99"]
    rss = max((p["city311_rss_peak_mb"] for p in results["phases"]), default=None)
    sustained = results["highest_sustained_service_requests"]
    rows = ["## Against the targets", "", "| target | measured | met |", "|---|---|---|",
            _target("sustained service requests/s end to end", "≥ 400", sustained or 0, sustained is not None
                    and sustained >= 400, f"{sustained} (highest rate held: {results['highest_sustained']} contacts/s)"
                    if sustained else "none of the rates offered held"),
            _target("POST p99 at 100 contacts/s", "≤ 50 ms", post_p99, post_p99 is not None and post_p99 <= 0.05,
                    f"{post_p99 * 1000:.0f} ms" if post_p99 is not None else None),
            _target("work order exists, p99 at 100 contacts/s", "≤ 1 s", order_p99,
                    order_p99 is not None and order_p99 <= 1, f"{order_p99:.2f} s" if order_p99 is not None else None),
            _target("all city311 processes' RSS at peak", "≤ 1536 MB", rss, rss is not None and rss <= 1536,
                    f"{rss:.0f} MB" if rss is not None else None)]
    return rows + [""]


def _target(what, goal, value, met, shown):
    if value is None:
        return f"| {what} {goal} | not measured in this run | – |"
    return f"| {what} {goal} | {shown} | {'yes' if met else 'no'} |"


def _ceiling(results):
    ceiling = results.get("broker_ceiling") or {}
    if not ceiling:
        return []
    rows = ["## Raw broker ceiling (same RabbitMQ, persistent ~1 KB messages, durable queue)", "",
            "| case | messages/s |", "|---|---:|"]
    rows += [f"| {case.replace('_', ' ')} | {rate} |" for case, rate in ceiling.items()]
    return rows + [""]


def _throughput(results):
    rows = ["## Throughput per phase", "",
            "Queued: messages ready in the work queues (max in the phase). Not counted: contacts accepted "
            "but not yet counted by metrics at the phase's end (the end-to-end backlog: outboxes and "
            "prefetched messages too). Growth: last third of the phase minus the middle third.", "",
            "| phase | offered/s | accepted/s | submitted | accepted | rejected | timed out | failed "
            "| POST p50 / p95 / p99 / max (ms) | queued max | not counted at end (growth) | drained in | held |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|---|"]
    for p in results["phases"]:
        o, q, g = p["outcomes"], p["queues"], p["growth"]
        drain = results["drains"].get(p["phase"], {})
        rows.append(f"| {p['phase']} | {p['offered_per_s']} | {p['accepted_per_s']} | {p['submitted']} "
                    f"| {o['accepted']} | {o['rejected']} | {o['timed_out']} | {o['failed']} "
                    f"| {_ms(p['post_seconds'])} | {q.get('backlog_max', '?')} "
                    f"| {g['pending_end']} ({g['pending']:+g}) | {_drained(drain)} | "
                    f"{'yes' if p['sustained'] else 'no: ' + '; '.join(p['not_sustained_because'])} |")
    rows += ["", f"Highest rate sustained: **{results['highest_sustained']}** contacts/s "
                 f"({results['highest_sustained_service_requests']} service requests/s)."]
    return rows + [""]


def _latency(results):
    rows = ["## End-to-end times from POST answered (s): p50 / p95 / p99 / max (reached of accepted)", "",
            "| phase | work order in legacy system | first notification sent | counted by metrics "
            "| information contact counted |", "|---|---|---|---|---|"]
    for p in results["phases"]:
        m = p["milestones"]
        cells = [_s(m[k]) for k in ("service_request.work_order", "service_request.notified",
                                    "service_request.counted", "information.counted")]
        rows.append(f"| {p['phase']} | " + " | ".join(cells) + " |")
    return rows + [""]


def _stages(results):
    phases = results["phases"]
    rows = ["## Where the time goes: p50 / p95 per stage (s)", "",
            "| stage | " + " | ".join(p["phase"] for p in phases) + " |", "|---|" + "---|" * len(phases)]
    for stage in phases[0]["stages"] if phases else ():
        cells = [_p50_p95(p["stages"][stage]) for p in phases]
        rows.append(f"| {stage} | " + " | ".join(cells) + " |")
    return rows + [""]


def _p50_p95(figures):
    return f"{figures['p50']:.2f} / {figures['p95']:.2f}" if figures["count"] else "–"


def _accounting(results):
    rows = ["## Every contact accounted for", "", "| phase | milestone | accepted | states |", "|---|---|---:|---|"]
    for p in results["phases"]:
        for name, figures in p["milestones"].items():
            states = ", ".join(f"{s} {n}" for s, n in figures["states"].items() if n)
            rows.append(f"| {p['phase']} | {name} | {figures['accepted']} | {states} |")
    totals = results["totals"]
    rows += ["", f"Submitted {totals['submitted']}: " + ", ".join(f"{k} {v}" for k, v in totals["outcomes"].items())
             + f". Ids on the bus the driver never got back: {totals['unknown_ids']}. Planned duplicates: "
             f"{totals['planned_duplicates']}, detected as duplicates: {results['planned_duplicates_detected']}."]
    return rows + [""]


def _processes(results):
    names = sorted({n for p in results["phases"] for n in p["processes"]})
    rows = ["## CPU and memory per process", "",
            "Each cell: CPU (% of one core, mean over the phase), CPU milliseconds per accepted contact "
            "(from the phase's start to the end of its drain) and peak RSS. The broker may serve other "
            "users of the machine too.", "",
            "| process | " + " | ".join(p["phase"] for p in results["phases"]) + " |",
            "|---|" + "---|" * len(results["phases"])]
    for name in names:
        cells = [_usage(p["processes"].get(name)) for p in results["phases"]]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    rows.append("| all city311 processes, CPU ms per contact | "
                + " | ".join(f"{_city311_cpu(p):g}" for p in results["phases"]) + " |")
    rows.append("| all city311 processes, RSS at peak | "
                + " | ".join(f"{p['city311_rss_peak_mb']:.0f} MB" for p in results["phases"]) + " |")
    return rows + [""]


def _city311_cpu(phase):
    return round(sum(u.get("cpu_ms_per_contact") or 0 for name, u in phase["processes"].items()
                     if not name.startswith(NOT_CITY311)), 1)


def _exactly_once(results):
    checks = results["exactly_once"]
    rows = ["## Processed once", "", "| per request that got a work order | requests | exactly one | not one |",
            "|---|---:|---:|---|"]
    for name, c in checks.items():
        rows.append(f"| {name} | {c['requests']} | {c['exactly_one']} | {len(c['not_one']) or ''} |")
    rows += ["", "events: WorkOrderCreated event ids on the bus; legacy_ids: distinct (system, legacy id) in them; "
             "legacy_rows: work orders carrying the request's id in the legacy systems' own admin listing. "
             f"NotificationSent published twice for one notification: {results['notifications_repeated']}."]
    return rows + [""]


def _ms(figures):
    if not figures["count"]:
        return "–"
    return " / ".join(f"{figures[k] * 1000:.0f}" for k in ("p50", "p95", "p99", "max"))


def _s(figures):
    seconds = figures["seconds"]
    if not seconds["count"]:
        return f"– (0 of {figures['accepted']})"
    values = " / ".join(f"{seconds[k]:.2f}" for k in ("p50", "p95", "p99", "max"))
    return f"{values} ({seconds['count']} of {figures['accepted']})"


def _usage(figures):
    if not figures:
        return "–"
    per_contact = figures.get("cpu_ms_per_contact")
    return (f"{figures['cpu_mean']:.0f}%, " + (f"{per_contact:g} ms/contact, " if per_contact is not None else "")
            + f"{figures['rss_peak_mb']:.0f} MB")


def _drained(drain):
    """How long the drain after a phase took; says so when it stopped at its limit with work left."""
    if not drain:
        return "–"
    return f"{drain['seconds']} s" + ("" if drain.get("complete", True) else " (not drained: limit)")
