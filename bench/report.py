"""The results of a run: results.json (everything), results.md (the tables), plot.png; latest.md beside them."""
import json
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

from bench.tables import markdown  # noqa: E402


def write(results, directory, latest):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "results.json").write_text(json.dumps(results, indent=1, default=str))
    _plot(results, directory / "plot.png")
    text = markdown(results, plot="plot.png")
    (directory / "results.md").write_text(text)
    Path(latest).write_text(markdown(results, plot=f"{directory.name}/plot.png"))
    shutil.copyfile(directory / "plot.png", Path(latest).with_name("latest.png"))
    return directory


def _plot(results, path):
    phases = results["phases"]
    fig, (rates, latency, backlog) = plt.subplots(3, 1, figsize=(9, 12))
    offered = [p["offered_per_s"] for p in phases]
    for kind, marker in (("fixed", "o"), ("ramp", "x")):
        chosen = [p for p in phases if p["phase"].startswith(kind)]
        rates.plot([p["offered_per_s"] for p in chosen], [p["accepted_per_s"] for p in chosen], marker,
                   label=f"{kind} phases")
    top = max(offered + [1])
    rates.plot([0, top], [0, top], ":", color="grey", label="accepted = offered")
    rates.set(xlabel="offered contacts/s", ylabel="accepted contacts/s", title="Throughput")
    rates.legend()
    for label, key, style in (("POST p50", ("post_seconds", "p50"), "o-"), ("POST p95", ("post_seconds", "p95"), "o--"),
                              ("work order p50", ("service_request.work_order", "p50"), "s-"),
                              ("work order p95", ("service_request.work_order", "p95"), "s--"),
                              ("first notification p50", ("service_request.notified", "p50"), "^-"),
                              ("counted by metrics p50", ("service_request.counted", "p50"), "v-")):
        points = sorted((p["offered_per_s"], _seconds(p, key)) for p in phases if _seconds(p, key) is not None)
        if points:
            latency.plot(*zip(*points), style, label=label)
    latency.set(xlabel="offered contacts/s", ylabel="seconds (log)", yscale="log", title="Latency")
    latency.legend(fontsize="small")
    _backlog(backlog, results)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _seconds(phase, key):
    figures = phase[key[0]] if key[0] == "post_seconds" else phase["milestones"][key[0]]["seconds"]
    return figures.get(key[1]) if key[0] == "post_seconds" else figures[key[1]]


def _backlog(axes, results):
    samples, progress = results["queue_samples"], results["progress_samples"]
    if not samples:
        return
    t0 = samples[0]["t"]
    axes.plot([s["t"] - t0 for s in samples], [s["backlog"] for s in samples], lw=1,
              label="messages ready in work queues")
    axes.plot([s["t"] - t0 for s in progress], [s["pending"] for s in progress], lw=1,
              label="contacts accepted, not yet counted by metrics")
    axes.legend(fontsize="small")
    for window in results["windows"]:
        axes.axvspan(window["started_at"] - t0, window["ended_at"] - t0, alpha=0.12)
        axes.text(window["started_at"] - t0, 0, window["phase"], rotation=90, fontsize=6, va="bottom")
    axes.set(xlabel="seconds since the observer started", ylabel="messages / contacts",
             title="Backlog over time (shaded: phases)")
