"""The fault table: printed, and written as tests/reliability/results/<time>/table.md, results.json and latest.md."""
import json
from dataclasses import asdict
from pathlib import Path

COLUMNS = ("fault", "requests", "lost", "duplicated", "time to converge", "processes restarted")


def markdown(rows, context):
    """The table and what the run was, as Markdown."""
    lines = [f"# Chaos table, {context['started']}", "",
             f"{context['db']} · {context['rate']:g} contacts/s · timers: {context['timers']} · "
             f"convergence bound {context['converge_seconds']:g} s · machine: {context['machine']}", "",
             "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += [_line(row) for row in rows]
    lines += ["", f"**{_verdict(rows)}**", ""]
    for row in rows:
        if row.notes or row.violations:
            lines.append(f"- **{row.fault}**: " + "; ".join([*row.notes, *row.violations]))
    return "\n".join(lines) + "\n"


def _line(row):
    converge = f"{row.converge_seconds:g} s" if row.converged else "did not converge"
    requests = f"{row.requests}" + (f" (+{row.not_accepted} not accepted)" if row.not_accepted else "")
    return (f"| {row.fault} | {requests} | {row.lost} | {row.duplicated} | {converge} | "
            f"{', '.join(row.restarted) or '—'} |")


def _verdict(rows):
    bad = [r.fault for r in rows if r.lost or r.duplicated or not r.converged]
    if not bad:
        return f"all {len(rows)} rows: zero lost, zero duplicated, converged"
    return f"{len(bad)} of {len(rows)} rows lost, duplicated or did not converge: {', '.join(bad)}"


def write(rows, context, folder, latest):
    """table.md and results.json in `folder`, and the table again as `latest`; the Markdown."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = markdown(rows, context)
    (folder / "table.md").write_text(text)
    (folder / "results.json").write_text(json.dumps({**context, "rows": [asdict(r) for r in rows]}, indent=2))
    Path(latest).write_text(text.replace("# Chaos table", f"# Chaos table ({folder.name})", 1))
    return text
