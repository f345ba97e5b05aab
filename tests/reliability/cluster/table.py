"""The cluster table: printed, and written as results/cluster/<time>/table.md and results.json."""
import json
from dataclasses import asdict
from pathlib import Path

COLUMNS = ("step", "accepted", "lost", "duplicated", "work orders/s before", "during", "after",
           "invariants held", "processes restarted")


def markdown(steps, drives, context):
    lines = [f"# Cluster table, {context['started']}", "",
             f"3 RabbitMQ nodes (one cluster, quorum queues on all three) · PostgreSQL · {context['instances']} "
             f"instances of every service · {context['rate']:g} contacts/s · timers: {context['timers']} · "
             f"machine: {context['machine']}", "",
             "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += [_line(s) for s in steps]
    bad = [s.step for s in steps if s.lost or s.duplicated or not s.converged]
    lines += ["", f"**{'all %d steps: zero lost, zero duplicated, invariants held' % len(steps) if not bad else 'not clean: ' + ', '.join(bad)}**", ""]
    for s in steps:
        if s.notes or s.violations:
            lines.append(f"- **{s.step}**: " + "; ".join([*s.notes, *s.violations]))
    if drives:
        lines += ["", "## Throughput with one and two instances of every service", "",
                  "| instances | offered contacts/s | seconds | accepted | service requests | work orders | "
                  "first contact to last work order | work orders/s end to end |", "|" + "---|" * 8]
        lines += [f"| {d.instances} | {d.offered:g} | {d.seconds:g} | {d.accepted} | {d.service_requests} | "
                  f"{d.completed} | {d.completion_seconds} s | {d.end_to_end} |" for d in drives]
        lines += [f"- {d.instances} instance(s): " + "; ".join(d.notes) for d in drives if d.notes]
    return "\n".join(lines) + "\n"


def _rate(value):
    return "—" if value is None else f"{value:g}"


def _line(s):
    accepted = f"{s.accepted}" + (f" (+{s.not_accepted} not accepted)" if s.not_accepted else "")
    held = f"{s.converge_seconds:g} s after the load" if s.converged else "did not hold"
    return (f"| {s.step} | {accepted} | {s.lost} | {s.duplicated} | {_rate(s.rate_before)} | "
            f"{_rate(s.rate_during)} | {_rate(s.rate_after)} | {held} | {', '.join(s.restarted) or '—'} |")


def write(steps, drives, context, folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = markdown(steps, drives, context)
    (folder / "table.md").write_text(text)
    (folder / "results.json").write_text(json.dumps(
        {**context, "steps": [asdict(s) for s in steps],
         "drives": [{**asdict(d), "end_to_end": d.end_to_end} for d in drives]}, indent=2))
    return text
