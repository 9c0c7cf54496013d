"""Actions whose executor died: found by lease, re-sent or failed.

The executor is "killed" by replacing its ``run_action``: it claims the
action and never runs it (died after the claim), or drops the message
(died before the claim). Recovery is called with a ``now`` past the lease,
as the recovery loop of any engine would call it later.
"""
import collections
import datetime
import threading
import time

from mistral_lib import actions as lib_actions
import pytest
import sqlalchemy as sa

from mistral_resume.db import api as db_api
from mistral_resume.db import leases as db_leases
from mistral_resume.db import models
from mistral_resume.engine import leases
from mistral_resume.executor import registry
from mistral_resume.executor import service as executor_service
from mistral_resume.workflow import statuses as st
from tests.fixtures import stack as stack_fixture

LEDGER = collections.Counter()
LEASE = 3600  # the stack fixture's [engine] action_lease

WF = """
version: '2.0'
wf:
  tasks:
    t:
      action: test.ledger
      safe-rerun: %s
      on-success: after
    after:
      action: std.noop
"""


class Ledger(lib_actions.Action):
    def run(self, context):
        LEDGER[context.execution.action_execution_id] += 1
        return "ran"


@pytest.fixture(autouse=True)
def ledger(monkeypatch):
    found = dict(registry.load(), **{"test.ledger": Ledger})
    monkeypatch.setattr(registry, "load", lambda: found)
    LEDGER.clear()
    yield LEDGER


def _claim_and_die(self, ctx, action_ex_id, *args, **kwargs):
    self._claim(action_ex_id)  # claimed, then the process was killed


DROPPED = []


def _die_before_claim(self, ctx, action_ex_id, *args, **kwargs):
    DROPPED.append(action_ex_id)  # the message was taken, nothing ran


def _later(seconds=LEASE + 1):
    return models.utcnow() + datetime.timedelta(seconds=seconds)


def _start_with_dead_executor(stack, monkeypatch, dies, safe="false"):
    """Start the workflow while the executor dies as ``dies`` says; the
    executor is back (a restart) when this returns."""
    DROPPED.clear()
    with monkeypatch.context() as m:
        m.setattr(executor_service.ExecutorEndpoint, "run_action", dies)
        created = stack.create_workflows(WF % safe)
        ex = stack.start(created[0]["name"])
        ax = _only_action(stack, ex["id"])
        # Until the message reached the dying executor: a restarted one
        # must not get it.
        _wait_action(stack, ax.id, lambda a: a.executor_id is not None
                     if dies is _claim_and_die else ax.id in DROPPED)
    return ex, _only_action(stack, ex["id"])


def _only_action(stack, ex_id):
    with stack.db.reading() as session:
        task = db_api.newest_task(session, ex_id, "t")
        return db_api.actions_of(session, task.id)[-1]


def _wait_action(stack, ax_id, predicate, limit=stack_fixture.WAIT_LIMIT):
    deadline = time.monotonic() + limit
    while True:
        with stack.db.reading() as session:
            ax = db_api.get_action_execution(session, ax_id)
        if predicate(ax):
            return ax
        if time.monotonic() > deadline:
            raise AssertionError("action %s never got there: %s"
                                 % (ax_id, ax.to_dict()))
        time.sleep(0.02)


def test_claim_lost_without_safe_rerun_fails_the_action(any_stack,
                                                         monkeypatch, ledger):
    ex, ax = _start_with_dead_executor(any_stack, monkeypatch,
                                       _claim_and_die)
    assert ax.state == st.RUNNING and ax.heartbeat_at is not None
    # Within the lease: the executor may be alive, nothing is done.
    assert any_stack.service.recover_lost_actions(
        now=_later(LEASE - 60)) == {}
    assert any_stack.service.recover_lost_actions(now=_later()) == {
        ax.id: leases.FAILED}
    wf_ex = any_stack.wait_for(ex["id"])
    assert wf_ex.state == st.ERROR
    failed = _only_action(any_stack, ex["id"])
    assert failed.id == ax.id and failed.state == st.ERROR
    assert "The executor running the action was lost" in failed.state_info
    assert "safe-rerun" in failed.state_info
    assert any_stack.task_states(ex["id"]) == {"t": [st.ERROR]}
    assert ledger == {}  # it never ran, and was not run again
    # A late result of the lost run changes nothing.
    any_stack.engine.on_action_complete(any_stack.ctx, ax.id,
                                        {"data": "late", "error": None})
    assert _only_action(any_stack, ex["id"]).state == st.ERROR
    # Twice found, once done: the second pass finds nothing.
    assert any_stack.service.recover_lost_actions(now=_later()) == {}
    # The operator re-runs the task: it runs once and the workflow goes on.
    task = any_stack.tasks(ex["id"])["t"][0]
    any_stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "resume": {"task": "t"}})
    assert any_stack.wait_for(ex["id"]).state == st.SUCCESS
    actions = any_stack.actions(task.id)
    assert [(a.state, a.accepted) for a in actions] == [
        (st.ERROR, False), (st.SUCCESS, True)]
    assert ledger == {actions[1].id: 1}


def test_claim_lost_with_safe_rerun_runs_the_action_again(any_stack,
                                                          monkeypatch,
                                                          ledger):
    ex, ax = _start_with_dead_executor(any_stack, monkeypatch,
                                       _claim_and_die, safe="true")
    assert any_stack.service.recover_lost_actions(now=_later()) == {
        ax.id: leases.RESENT}
    assert any_stack.wait_for(ex["id"]).state == st.SUCCESS
    done = _only_action(any_stack, ex["id"])
    assert done.id == ax.id and done.state == st.SUCCESS
    assert done.executor_id is not None  # claimed again, then run
    assert ledger == {ax.id: 1}
    assert any_stack.task_states(ex["id"]) == {"t": [st.SUCCESS],
                                               "after": [st.SUCCESS]}


def test_safe_rerun_as_an_expression(any_stack, monkeypatch, ledger):
    ex, ax = _start_with_dead_executor(any_stack, monkeypatch,
                                       _claim_and_die,
                                       safe="<% 1 + 1 = 2 %>")
    assert any_stack.service.recover_lost_actions(now=_later()) == {
        ax.id: leases.RESENT}
    assert any_stack.wait_for(ex["id"]).state == st.SUCCESS
    assert ledger == {ax.id: 1}


def test_action_nobody_claimed_is_sent_again(any_stack, monkeypatch,
                                             ledger):
    """The message was lost before any executor claimed it: nothing ran,
    so it is sent again even without safe-rerun."""
    ex, ax = _start_with_dead_executor(any_stack, monkeypatch,
                                       _die_before_claim)
    assert ax.executor_id is None
    assert any_stack.service.recover_lost_actions(now=_later()) == {
        ax.id: leases.RESENT}
    assert any_stack.wait_for(ex["id"]).state == st.SUCCESS
    assert ledger == {ax.id: 1}


def test_resent_action_waits_another_lease_before_the_next_resend(
        any_stack, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(executor_service.ExecutorEndpoint, "run_action",
                  _die_before_claim)
        ex, ax = _start_with_dead_executor(any_stack, m, _die_before_claim)
        now = _later()
        assert any_stack.service.recover_lost_actions(now=now) == {
            ax.id: leases.RESENT}
        # Lost again: not re-sent before one more lease has passed.
        assert any_stack.service.recover_lost_actions(
            now=now + datetime.timedelta(seconds=LEASE - 1)) == {}
        assert any_stack.service.recover_lost_actions(
            now=now + datetime.timedelta(seconds=LEASE + 1)) == {
            ax.id: leases.RESENT}
    assert _only_action(any_stack, ex["id"]).state == st.RUNNING


def _holder_of(stack, ax):
    """The executor that claimed ``ax``, alive after all: its endpoint
    (holding the claim) and its heartbeat."""
    endpoint = executor_service.ExecutorEndpoint(stack.engine, stack.conf,
                                                 stack.db)
    endpoint.executor_id = ax.executor_id
    endpoint._hold(ax.id)
    return endpoint, executor_service.Heartbeat(stack.db, endpoint, 1)


def test_heartbeat_keeps_a_live_claim(any_stack, monkeypatch):
    ex, ax = _start_with_dead_executor(any_stack, monkeypatch,
                                       _claim_and_die)
    # The executor is alive after all: its heartbeat renews the claim.
    endpoint, beat = _holder_of(any_stack, ax)
    before = ax.heartbeat_at
    renewed = _wait_action(any_stack, ax.id,
                           lambda a: beat.beat() and a.heartbeat_at > before)
    assert renewed.heartbeat_at > before
    # Stale by the old heartbeat, alive by the new one.
    found = collections.namedtuple("Row", "id root_execution_id "
                                   "executor_id heartbeat_at")(
        ax.id, ax.root_execution_id, ax.executor_id, before)
    assert leases._recover(any_stack.service.worker.work,
                           any_stack.service.topics, found, LEASE,
                           _later()) is None
    current = _only_action(any_stack, ex["id"])
    assert current.state == st.RUNNING
    assert current.executor_id == ax.executor_id
    # Another executor's heartbeat renews nothing of it.
    other = executor_service.ExecutorEndpoint(
        any_stack.engine, any_stack.conf, any_stack.db)
    other._hold(ax.id)
    assert executor_service.Heartbeat(any_stack.db, other, 1).beat() == 0


def test_async_action_has_no_lease(any_stack, monkeypatch):
    """An async action completes through the API, however late."""
    text = """
version: '2.0'
wf:
  tasks:
    t:
      action: std.async_noop
"""
    created = any_stack.create_workflows(text)
    ex = any_stack.start(created[0]["name"])
    ax = _wait_action(any_stack, _only_action(any_stack, ex["id"]).id,
                      lambda a: a.executor_id is not None
                      and a.heartbeat_at is None)
    assert any_stack.service.recover_lost_actions(now=_later()) == {}
    any_stack.app.put_json("/v2/action_executions/%s" % ax.id,
                           {"state": "SUCCESS", "output": "done"})
    assert any_stack.wait_for(ex["id"]).state == st.SUCCESS


def test_lost_action_of_a_with_items_task(any_stack, monkeypatch, ledger):
    text = """
version: '2.0'
wf:
  tasks:
    t:
      with-items: x in [1, 2, 3]
      action: test.ledger
"""
    with monkeypatch.context() as m:
        m.setattr(executor_service.ExecutorEndpoint, "run_action",
                  _claim_and_die)
        created = any_stack.create_workflows(text)
        ex = any_stack.start(created[0]["name"])
        task = _wait_task_actions(any_stack, ex["id"], 3)
    outcome = any_stack.service.recover_lost_actions(now=_later())
    assert sorted(outcome.values()) == [leases.FAILED] * 3
    assert any_stack.wait_for(ex["id"]).state == st.ERROR
    # Re-run the items: each runs once, the task and workflow succeed.
    any_stack.app.put_json("/v2/executions/%s" % ex["id"], {
        "state": "RUNNING", "resume": {"task": "t"}})
    assert any_stack.wait_for(ex["id"]).state == st.SUCCESS
    accepted = [a for a in any_stack.actions(task.id) if a.accepted]
    assert sorted(a.item_index for a in accepted) == [0, 1, 2]
    assert ledger == {a.id: 1 for a in accepted}


def _wait_task_actions(stack, ex_id, count):
    deadline = time.monotonic() + stack_fixture.WAIT_LIMIT
    while time.monotonic() < deadline:
        with stack.db.reading() as session:
            task = db_api.newest_task(session, ex_id, "t")
            claimed = [a for a in db_api.actions_of(session, task.id)
                       if a.executor_id] if task else []
        if len(claimed) == count:
            return task
        time.sleep(0.02)
    raise AssertionError("the task's %d actions were never claimed" % count)


def test_release_claim_is_compare_and_set(any_stack, monkeypatch):
    ex, ax = _start_with_dead_executor(any_stack, monkeypatch,
                                       _claim_and_die)
    with any_stack.db.writing() as session:
        assert not db_leases.release_claim(session, ax.id, "someone-else",
                                           ax.heartbeat_at)
        assert not db_leases.release_claim(
            session, ax.id, ax.executor_id,
            ax.heartbeat_at - datetime.timedelta(seconds=1))
        assert db_leases.release_claim(session, ax.id, ax.executor_id,
                                       ax.heartbeat_at)
    released = _only_action(any_stack, ex["id"])
    assert released.executor_id is None and released.heartbeat_at is None


def test_database_runs_read_committed(any_stack):
    level = any_stack.db.check_isolation()
    if any_stack.db.is_sqlite:
        assert level is None
    else:
        assert level == "READ COMMITTED"


def test_heartbeat_covers_a_reported_result_until_recorded(any_stack,
                                                           monkeypatch):
    """A run that ended keeps its lease until the engine has recorded its
    result (a result queued behind others must not outlive the lease)."""
    ex, ax = _start_with_dead_executor(any_stack, monkeypatch,
                                       _claim_and_die)
    endpoint, beat = _holder_of(any_stack, ax)
    assert beat.beat() == 1 and endpoint.running() == {ax.id}
    any_stack.app.put_json("/v2/action_executions/%s" % ax.id,
                           {"state": "SUCCESS", "output": "done"})
    assert beat.beat() == 0 and endpoint.running() == set()
    assert any_stack.wait_for(ex["id"]).state == st.SUCCESS


def test_result_lost_with_its_engine_is_reported_again(any_stack,
                                                       monkeypatch, ledger):
    """An engine killed after taking the result off the bus lost it: the
    executor, still holding the claim, reports the result again once
    ``[executor] result_resend_after`` has passed; the action ran once."""
    endpoint = any_stack.service.executor
    dropped, resent = [], []
    real = endpoint._engine.on_action_complete

    def engine_dies_with_the_first(ctx, ax_id, result, **kwargs):
        if not dropped:
            dropped.append(ax_id)
            return
        if ax_id in dropped:
            # Sent again from the heartbeat's thread: never waiting for a
            # broker that is away (the claims it renews would expire).
            resent.append(kwargs["retry"])
        real(ctx, ax_id, result, **kwargs)

    monkeypatch.setattr(endpoint._engine, "on_action_complete",
                        engine_dies_with_the_first)
    created = any_stack.create_workflows(WF % "false")
    ex = any_stack.start(created[0]["name"])
    ax = _wait_action(any_stack, _only_action(any_stack, ex["id"]).id,
                      lambda a: dropped and a.executor_id is not None)
    assert dropped == [ax.id] and ax.state == st.RUNNING
    beat = executor_service.Heartbeat(any_stack.db, endpoint, 1)
    # Not yet due: the claim is renewed, nothing is sent again.
    assert beat.beat() == 1 and endpoint.resend_unrecorded() == []
    resend_after = any_stack.conf.executor.result_resend_after
    assert endpoint.resend_unrecorded(
        now=time.monotonic() + resend_after + 1) == [ax.id]
    assert any_stack.wait_for(ex["id"]).state == st.SUCCESS
    assert _only_action(any_stack, ex["id"]).state == st.SUCCESS
    assert ledger == {ax.id: 1} and resent == [0]  # retry=0
    # Recorded: the next heartbeat lets the claim go.
    beat.beat()
    assert ax.id not in endpoint.running()


def test_heartbeat_does_not_wait_for_a_row_an_engine_holds(any_stack,
                                                           monkeypatch):
    """A beat that waited behind an engine's long unit of work would let
    the lease expire: the held row is left for the next beat, and stays
    the executor's."""
    if any_stack.db.is_sqlite:
        pytest.skip("SQLite has one writer and no row locks")
    ex, ax = _start_with_dead_executor(any_stack, monkeypatch,
                                       _claim_and_die)
    locked, release = threading.Event(), threading.Event()

    def engine_holds_the_row():
        with any_stack.db.writing() as session:
            session.execute(sa.select(models.ActionExecution.id).where(
                models.ActionExecution.id == ax.id).with_for_update())
            locked.set()
            release.wait(30)

    holder = threading.Thread(target=engine_holds_the_row)
    holder.start()
    try:
        assert locked.wait(10)
        beat = {}

        def renew():
            with any_stack.db.writing() as session:
                beat["live"] = db_leases.renew_leases(
                    session, {ax.id}, ax.executor_id)

        renewer = threading.Thread(target=renew)
        renewer.start()
        renewer.join(20)
        assert not renewer.is_alive(), "the heartbeat waited for the lock"
        assert beat["live"] == {ax.id}  # still held: renewed next time
    finally:
        release.set()
        holder.join()
    assert _only_action(any_stack, ex["id"]).heartbeat_at == ax.heartbeat_at
