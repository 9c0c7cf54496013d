"""The workloads of issue 7, run over REST against any Mistral v2 API.

Each workload is named by its shape, and the name gives its size:

  seqN        N chained std.noop tasks: POST -> SUCCESS
  itemsN      one with-items task over N items of std.echo: POST -> SUCCESS
  rerunN      N chained tasks, the last fails on ``env().size``; then
              PUT /v2/tasks/<tN> {"state": "RUNNING", "reset": true,
              "env": {"size": 1}} -> execution SUCCESS (the resume latency
              with the failed task at position N of N)
  parKxN      K executions of N chained noops started at once by K threads:
              first POST -> all SUCCESS, and K*N / that time
  rssN        N executions of one noop task, 20 at a time: the service's
              RSS before, after N/10, N/2 and N, and its growth per
              execution beside the growth of its database

The workflows are those of ``../shared/bench/bench.py`` (same names, same
text), so a Mistral that ran bench.py already holds them. Completion is
seen by polling one execution at a time (``client.Client.wait``).
"""
import re
import threading
import time

from client import WorkloadError
import services

SEQ_NAME = "bench_seq%d"
FAIL_NAME = "bench_seq%d_fail"
ITEMS_NAME = "bench_items"
MAIN = ("seq50", "items200", "rerun100", "par20x10", "par20x100")
# items10000 last: where an engine cannot finish it, it stays busy after.
CURVES = ("seq10", "seq100", "seq1000", "rerun1000", "items100",
          "items1000", "rss1000", "items10000")
QUICK = ("seq10",)
DISTRIBUTED = ("par20x10", "seq50")


# ---------------------------------------------------------------- workflows
def wf_seq(name, n, fail_last=False):
    lines = ["---", "version: '2.0'", "%s:" % name, "  tasks:"]
    for i in range(1, n + 1):
        lines.append("    t%d:" % i)
        if fail_last and i == n:
            lines += ["      action: std.test_dict", "      input:",
                      "        size: <% env().size %>"]
        else:
            lines.append("      action: std.noop")
        if i < n:
            lines.append("      on-success: t%d" % (i + 1))
    return "\n".join(lines) + "\n"


def wf_items(name):
    return ("---\nversion: '2.0'\n%s:\n  input:\n    - items\n  tasks:\n"
            "    echo_all:\n      with-items: i in <%% $.items %%>\n"
            "      action: std.echo output=<%% $.i %%>\n" % name)


# ---------------------------------------------------------------- workloads
class Workload:
    """A named measurement: the workflows it needs and how to run it.

    ``run(client, service)`` returns ``{metric: value}``; a metric ending
    in ``_per_s`` is better higher, every other one better lower.
    """

    def __init__(self, name, size, workflows, run):
        # size: tasks or items of one execution, executions for rssN
        self.name = name
        self.size = size
        self.workflows = workflows
        self.run = run


def seq(n):
    wf = SEQ_NAME % n

    def run(client, service):
        t0 = time.monotonic()
        done = client.wait(client.start(wf))
        return {"seq%d_s" % n: done - t0,
                "seq%d_ms_per_task" % n: (done - t0) * 1000.0 / n}
    return Workload("seq%d" % n, n, {wf: wf_seq(wf, n)}, run)


def items(n):
    def run(client, service):
        t0 = time.monotonic()
        done = client.wait(client.start(ITEMS_NAME,
                                        {"items": list(range(n))}))
        return {"items%d_s" % n: done - t0,
                "items%d_ms_per_item" % n: (done - t0) * 1000.0 / n}
    return Workload("items%d" % n, n, {ITEMS_NAME: wf_items(ITEMS_NAME)},
                    run)


def rerun(n):
    wf = FAIL_NAME % n

    def run(client, service):
        t0 = time.monotonic()
        ex_id = client.start(wf, env={"size": "bad"})
        failed = client.wait(ex_id, "ERROR")
        task_id = client.task_id(ex_id, "t%d" % n)
        t1 = time.monotonic()
        client.rerun(task_id, {"size": 1})
        answered = time.monotonic()
        done = client.wait(ex_id, "SUCCESS")
        return {"rerun%d_s" % n: done - t1,
                "rerun%d_put_s" % n: answered - t1,
                "seq%d_fail_s" % n: failed - t0}
    return Workload("rerun%d" % n, n, {wf: wf_seq(wf, n, fail_last=True)},
                    run)


def start_many(client, workflow, k):
    """Start ``k`` executions from ``k`` threads at once; their ids."""
    ids, errors = [None] * k, []

    def go(i):
        try:
            ids[i] = client.start(workflow)
        except Exception as e:  # noqa: B902 - reported below, all of them
            errors.append(str(e))

    threads = [threading.Thread(target=go, args=(i,)) for i in range(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise WorkloadError("%d of %d starts failed: %s"
                            % (len(errors), k, errors[0]))
    return ids


def par(k, n):
    wf = SEQ_NAME % n
    name = "par%dx%d" % (k, n)

    def run(client, service):
        t0 = time.monotonic()
        done = client.wait_all(start_many(client, wf, k))
        return {name + "_s": done - t0,
                name + "_tasks_per_s": k * n / (done - t0)}
    # Its size is that of one execution: what Mistral's cost grows with.
    return Workload(name, n, {wf: wf_seq(wf, n)}, run)


def rss(n, batch=20):
    wf = SEQ_NAME % 1
    marks = sorted({0, n // 10, n // 2, n})

    def run(client, service):
        roots = list(service.pids if hasattr(service, "pids")
                     else [service.pid])
        stored0 = service.stored_bytes()
        after = {0: services.rss_mb(roots)}
        t0 = time.monotonic()
        done = 0
        for mark in marks[1:]:
            while done < mark:
                k = min(batch, mark - done)
                client.wait_all(start_many(client, wf, k))
                done += k
            after[mark] = services.rss_mb(roots)
        elapsed = time.monotonic() - t0
        stored = service.stored_bytes() - stored0
        first = marks[1]
        out = {"rss%d_s" % n: elapsed,
               "rss%d_executions_per_s" % n: n / elapsed,
               "rss%d_stored_kb_per_execution" % n: stored / 1024.0 / n,
               "rss%d_kb_per_execution" % n:
                   (after[n] - after[first]) * 1024.0 / (n - first)}
        out.update(("rss_after_%d_mb" % m, v) for m, v in after.items())
        return out
    return Workload("rss%d" % n, n, {wf: wf_seq(wf, 1)}, run)


_SHAPES = (
    (re.compile(r"^seq(\d+)$"), lambda m: seq(int(m[1]))),
    (re.compile(r"^items(\d+)$"), lambda m: items(int(m[1]))),
    (re.compile(r"^rerun(\d+)$"), lambda m: rerun(int(m[1]))),
    (re.compile(r"^par(\d+)x(\d+)$"), lambda m: par(int(m[1]), int(m[2]))),
    (re.compile(r"^rss(\d+)$"), lambda m: rss(int(m[1]))),
)


def get(name):
    """The workload a name describes (``seq50``, ``par20x100``, ...)."""
    for pattern, make in _SHAPES:
        match = pattern.match(name)
        if match:
            return make(match)
    raise ValueError("unknown workload %r (seqN, itemsN, rerunN, parKxN, "
                     "rssN)" % name)
