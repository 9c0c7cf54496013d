"""What a distributed test does and checks: REST calls to the API process,
reads of the run's database, the ledger, and waits bounded by liveness.

Writes go through the REST API as a user's would; checks read the database
directly (plain SQL, so they do not depend on the service's own queries).
"""
import collections
import json
import time
import uuid

import requests
import sqlalchemy as sa

TERMINAL = ("SUCCESS", "ERROR", "CANCELLED")
LEDGER_ACTION = "test.ledger"
LOST = "The executor running the action was lost"
_POLL = 0.2


class Api:
    """The REST API of a cluster; retries what a killed engine lost."""

    def __init__(self, cluster):
        self.url = cluster.url
        self.retry_for = cluster.timing.stall_limit()
        self.call_timeout = cluster.timing.rpc_timeout + 10

    def create_workflow(self, text):
        answer = requests.post(self.url + "/workflows", data=text,
                               headers={"Content-Type": "text/plain"},
                               timeout=self.call_timeout)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def start(self, name, wf_input=None, env=None):
        """Start an execution under an id chosen here, so a retry after a
        lost answer (engine killed, broker cut) finds the same execution
        instead of starting a second one."""
        body = {"id": str(uuid.uuid4()), "workflow_name": name,
                "input": json.dumps(wf_input or {})}
        if env is not None:
            body["params"] = json.dumps({"env": env})
        deadline = time.monotonic() + self.retry_for
        while True:
            try:
                answer = requests.post(self.url + "/executions", json=body,
                                       timeout=self.call_timeout)
                if answer.status_code in (200, 201):
                    return answer.json()
                assert answer.status_code >= 500, answer.text
                why = answer.text
            except requests.RequestException as error:
                why = str(error)
            assert time.monotonic() < deadline, why
            time.sleep(_POLL)

    def put_task(self, task_id, body, headers=None):
        return requests.put(self.url + "/tasks/%s" % task_id, json=body,
                            headers=headers or {},
                            timeout=self.call_timeout)


class Store:
    """Read-only views of the run's database."""

    def __init__(self, url):
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    def _rows(self, sql, **params):
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).all()

    def executions(self):
        """``{id: (workflow name, state, state_info)}`` of root
        executions."""
        return {r[0]: (r[1], r[2], r[3]) for r in self._rows(
            "SELECT id, name, state, state_info FROM workflow_executions"
            " WHERE task_execution_id IS NULL")}

    def tasks(self, name):
        """``{execution id: [(task id, state), ...]}`` of tasks named
        ``name``."""
        found = collections.defaultdict(list)
        for ex_id, task_id, state in self._rows(
                "SELECT workflow_execution_id, id, state FROM"
                " task_executions WHERE name = :name ORDER BY created_at",
                name=name):
            found[ex_id].append((task_id, state))
        return found

    def ledger_actions(self):
        """``{action execution id: row}`` of every ledger action."""
        return {r.id: r for r in self._rows(
            "SELECT id, task_name, task_execution_id, root_execution_id,"
            " state, state_info, accepted FROM action_executions"
            " WHERE name = :name", name=LEDGER_ACTION)}

    def failed_actions(self, root_id):
        """``state_info`` of each failed action of an execution (any
        action: ``std.noop`` runs on an executor too)."""
        return [r.state_info for r in self._rows(
            "SELECT state_info FROM action_executions"
            " WHERE root_execution_id = :root AND state = 'ERROR'",
            root=root_id)]

    def progress(self):
        """Counts that change whenever anything moves."""
        signature = []
        for table in ("workflow_executions", "task_executions",
                      "action_executions"):
            signature += sorted(tuple(r) for r in self._rows(
                "SELECT state, count(*) FROM %s GROUP BY state" % table))
        return tuple(signature)

    def dispose(self):
        self.engine.dispose()


def read_ledger(path):
    """``{action execution id: number of starts}``."""
    with open(path) as f:
        return collections.Counter(line.split()[0] for line in f if line)


def wait_terminal(cluster, store, ex_ids, on_wait=None):
    """Wait until every execution of ``ex_ids`` is terminal; return their
    ``{id: (name, state, state_info)}``.

    Liveness, not speed: fails only when nothing at all moved for the
    cluster's stall limit (derived from its lease, heartbeat, outbox and
    job-claim settings). ``on_wait()`` runs between looks (fault
    injection).

    :raises AssertionError: a stall, naming the executions still going.
    """
    limit = cluster.timing.stall_limit()
    last, since = None, time.monotonic()
    while True:
        rows = store.executions()
        going = [i for i in ex_ids if rows.get(i, (0, None))[1]
                 not in TERMINAL]
        if not going:
            return {i: rows[i] for i in ex_ids}
        signature = store.progress()
        if signature != last:
            last, since = signature, time.monotonic()
        elif time.monotonic() - since > limit:
            raise AssertionError(
                "no progress for %.0fs; %d executions not finished, e.g. %s;"
                " counts %s" % (limit, len(going),
                                {i: rows.get(i) for i in going[:5]},
                                signature))
        if on_wait is not None:
            on_wait()
        time.sleep(_POLL)


def exactly_once(store, ledger_path, may_repeat=lambda row: False,
                 roots=None):
    """Compare the ledger with the stored action executions.

    :returns: ``{"runs", "actions", "duplicates", "unstarted", "unknown",
        "lost"}``: every action that reached SUCCESS or ERROR must have
        started exactly once, except a lost one (failed by lease recovery,
        it may have started once or not at all) and one ``may_repeat``
        allows to start more than once (safe-rerun). ``roots`` limits
        the check to the actions of those root executions.
    """
    starts = read_ledger(ledger_path)
    actions = store.ledger_actions()
    unknown = sorted(set(starts) - set(actions))
    if roots is not None:
        actions = {i: a for i, a in actions.items()
                   if a.root_execution_id in roots}
        starts = {i: starts[i] for i in actions if i in starts}
    report = {"runs": sum(starts.values()), "actions": len(actions),
              "duplicates": {}, "unstarted": [], "lost": [],
              "unknown": unknown}
    for ax_id, row in actions.items():
        count = starts.get(ax_id, 0)
        lost = row.state == "ERROR" and LOST in (row.state_info or "")
        if lost:
            report["lost"].append(ax_id)
        if count > 1 and not may_repeat(row):
            report["duplicates"][ax_id] = (row.task_name, count)
        if count == 0 and not lost and row.state in ("SUCCESS", "ERROR"):
            report["unstarted"].append((ax_id, row.task_name, row.state))
    return report
