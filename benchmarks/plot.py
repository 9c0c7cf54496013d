#!/usr/bin/env python3
"""Draw the scale curves of a run's JSON as one PNG (needs matplotlib).

    python benchmarks/plot.py benchmarks/results.json benchmarks/curves.png
"""
import json
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend

PANELS = (
    (r"^seq(\d+)_ms_per_task$", "sequential noops: ms per task",
     "tasks in the chain"),
    (r"^items(\d+)_ms_per_item$", "with-items std.echo: ms per item",
     "items"),
    (r"^rerun(\d+)_s$", "resume latency: PUT -> SUCCESS (s)",
     "position of the failed task (= chain length)"),
    (r"^rss_after_(\d+)_mb$", "RSS (MB) after N finished executions",
     "executions finished (this workload)"),
)
STYLE = {"ours": ("tab:blue", "o"), "mistral": ("tab:red", "s")}
LABEL = {"ours": "mistral-resume (embedded)",
         "mistral": "OpenStack Mistral 23 (api,engine,executor)"}


def points(median, pattern):
    rx = re.compile(pattern)
    found = sorted((int(m[1]), v) for k, v in median.items()
                   for m in [rx.match(k)] if m)
    return [n for n, _ in found], [v for _, v in found]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        doc = json.load(f)
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for ax, (pattern, title, xlabel) in zip(axes.flat, PANELS, strict=True):
        for name, system in doc["systems"].items():
            xs, ys = points(system["median"], pattern)
            if xs:
                colour, marker = STYLE.get(name, ("k", "x"))
                ax.plot(xs, ys, marker=marker, color=colour,
                        label=LABEL.get(name, name))
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_xscale("symlog" if "rss" in pattern else "log")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("%s, %s cores, %s: medians of %d (main workloads) or %d "
                 "(curve points) runs, shared busy machine"
                 % (doc["machine"]["cpu"], doc["machine"]["cores"],
                    doc["started"][:10], doc["config"]["repeat"],
                    doc["config"]["curve_repeat"]))
    fig.tight_layout()
    fig.savefig(argv[1], dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
