"""The workflows the distributed tests run, and their two sizes.

The CI tier runs by default; ``MR_SOAK=1`` (``tox -e soak``) runs the
soak tier: the same tests, bigger, with more kills.
"""
import os

SOAK = os.environ.get("MR_SOAK", "") not in ("", "0")

CI_TIER = {
    "executions": 20, "branches": 20, "items": 50, "concurrency": 10,
    "clients": 20,
    # Kill tests: rounds of (start executions, kill one process).
    "kill_rounds": 6, "kill_executions": 3, "kill_branches": 10,
    "broker_executions": 10,
    # Seconds pytest-timeout gives one test (a guard, not an expectation).
    "timeout": 600,
}
SOAK_TIER = {
    "executions": 200, "branches": 100, "items": 200, "concurrency": 20,
    "clients": 20,
    "kill_rounds": 30, "kill_executions": 5, "kill_branches": 20,
    "broker_executions": 50,
    "timeout": 3600,
}
SIZE = SOAK_TIER if SOAK else CI_TIER


def join(name, branches, sleep=0, safe_rerun=False):
    """``fork`` -> ``branches`` ledger tasks -> one ``joined`` task;
    with ``safe_rerun`` every task has ``safe-rerun: true``."""
    policy = "      safe-rerun: true\n" if safe_rerun else ""
    names = ["b%d" % i for i in range(branches)]
    lines = ["---", "version: '2.0'", "%s:" % name, "  tasks:",
             "    fork:", "      action: std.noop",
             "      on-success: [%s]" % ", ".join(names)]
    if policy:
        lines.append(policy.rstrip("\n"))
    for task in names:
        lines += ["    %s:" % task,
                  "      action: test.ledger tag=%s sleep=%s" % (task, sleep),
                  "      on-success: [joined]"]
        if policy:
            lines.append(policy.rstrip("\n"))
    lines += ["    joined:", "      join: all",
              "      action: test.ledger tag=joined"]
    if policy:
        lines.append(policy.rstrip("\n"))
    return "\n".join(lines) + "\n"


def with_items(name, concurrency, sleep=0, safe_rerun=False):
    """One ledger task over ``$.items``, ``concurrency`` at a time."""
    text = """\
---
version: '2.0'
%(name)s:
  input: [items]
  output:
    count: <%% $.count %%>
  tasks:
    each:
      with-items: i in <%% $.items %%>
      concurrency: %(concurrency)d
      action: test.ledger
      input:
        tag: <%% str($.i) %%>
        sleep: %(sleep)s
      publish:
        count: <%% task().result.len() %%>
""" % {"name": name, "concurrency": concurrency, "sleep": sleep}
    if safe_rerun:
        text += "      safe-rerun: true\n"
    return text


# ``flaky`` fails while env().fail is true; a re-run with env
# {"fail": false} succeeds and ``last`` follows.
RESUME = """\
---
version: '2.0'
resume_wf:
  tasks:
    first:
      action: test.ledger tag=first
      on-success: [flaky]
    flaky:
      action: test.ledger
      input:
        tag: flaky
        fail: <% env().fail %>
      on-success: [last]
    last:
      action: test.ledger tag=last
"""
