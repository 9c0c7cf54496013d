"""Ratios and the text tables printed after a run (and RESULTS.md's)."""
import re


def better_higher(metric):
    return metric.endswith("_per_s")


def ratios(doc):
    """``{metric: {"ratio": ours / Mistral, "better_x": ...}}``.

    ``better_x`` is how many times better ours is, whichever way the
    metric points: Mistral / ours for times and sizes, ours / Mistral for
    rates.
    """
    systems = doc["systems"]
    if "mistral" not in systems:
        return {}
    ours, theirs = systems["ours"]["median"], systems["mistral"]["median"]
    out = {}
    for metric in sorted(set(ours) & set(theirs)):
        a, b = ours[metric], theirs[metric]
        if not a or not b:
            continue
        out[metric] = {"ratio": round(a / b, 4),
                       "better_x": round(b / a if not better_higher(metric)
                                         else a / b, 2)}
    return out


def _fmt(value):
    if value is None:
        return "-"
    if abs(value) >= 100:
        return "%.0f" % value
    if abs(value) >= 1:
        return "%.3g" % value
    return "%.3g" % value


def _rows(headers, rows):
    """A Markdown table, columns padded to their widest cell."""
    widths = [max(len(str(c)) for c in col)
              for col in zip(headers, *rows, strict=True)]

    def line(cells):
        return "| " + " | ".join("%-*s" % (w, c) for w, c in
                                 zip(widths, cells, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), sep] + [line(r) for r in rows])


def table(doc):
    systems = doc["systems"]
    ours = systems["ours"]
    theirs = systems.get("mistral", {"median": {}, "runs": {}, "load": {},
                                     "errors": {}})
    rat = doc.get("ratios", {})
    metrics = list(ours["median"]) + [m for m in theirs["median"]
                                      if m not in ours["median"]]
    rows = []
    for m in _ordered(metrics, doc["config"]):
        r = rat.get(m, {})
        rows.append([
            m, "%s (n=%d)" % (_fmt(ours["median"].get(m)),
                              len(ours["runs"].get(m, []))),
            "%s (n=%d)" % (_fmt(theirs["median"].get(m)),
                           len(theirs["runs"].get(m, []))),
            _fmt(r.get("ratio")),
            "%sx" % _fmt(r["better_x"]) if r else "-"])
    out = [_rows(["metric (median)", "ours", "Mistral 23", "ours/Mistral",
                  "ours better by"], rows)]
    load_rows = []
    for name in doc["config"]["workloads"] + doc["config"]["curves"]:
        cells = [name]
        for system in (ours, theirs):
            lo = system["load"].get(name)
            cells.append("%.0f/s, %.1f ms" % (lo["polls_per_s"],
                                              lo["poll_ms"]) if lo else "-")
            cells.append("%.2f / %.2f" % (lo["service_cpu_s"],
                                          lo["others_cpu_s"])
                         if lo else "-")
        load_rows.append(cells)
    out.append("")
    out.append(_rows(["workload", "ours polls", "ours CPU s svc/others",
                      "Mistral polls", "Mistral CPU s svc/others"],
                     load_rows))
    for system_name, system in (("ours", ours), ("Mistral", theirs)):
        for name, error in system["errors"].items():
            out.append("FAILED %s %s: %s" % (system_name, name, error[:300]))
    return "\n".join(out)


def _ordered(metrics, config):
    """Metrics in workload order (the order of the run)."""
    names = config["workloads"] + ["rss_peak"] + config["curves"]

    def key(metric):
        natural = [int(p) if p.isdigit() else p
                   for p in re.split(r"(\d+)", metric)]
        for i, name in enumerate(names):
            if _belongs(metric, name):
                return (i, natural)
        for i, name in enumerate(names):
            if metric.startswith(name + "_"):
                return (i, natural)
        return (len(names), natural)
    return sorted(metrics, key=key)


def _belongs(metric, workload):
    # rerunN also reports seqN_fail_s; rssN reports rss_after_K_mb.
    if workload.startswith("rerun"):
        return metric == "seq%s_fail_s" % workload[5:]
    if workload.startswith("rss"):
        return metric.startswith("rss_after_")
    return False
