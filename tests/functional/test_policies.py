"""Task policies end to end: outcomes are Mistral 23's.

Facts from mistral/tests/unit/engine/test_policies.py and
mistral/engine/policies.py: a retry runs the task again while
``retry_no < count`` (count 3 on a failing action: 4 action executions,
retry_no 3), not at all after a break-on that holds, and on a success only
while a given continue-on holds; a bad policy value (negative, or of the
wrong type) fails the task at its start; wait-before leaves the task
DELAYED, wait-after delays its completion; timeout fails the task and its
running action ("Task timed out"); pause-before pauses the workflow with
the task IDLE until resumed; fail-on turns a success into an error.

Delays are scheduled jobs run by the engine's scheduler loop: tests give
them as expressions of a fraction of a second and wait with a bound.
"""
import pytest

from mistral_resume.db import jobs as db_jobs
from mistral_resume.db import models
from mistral_resume.workflow import statuses as st
from tests.fixtures import stack as stack_fixture
from tests.functional import scenario as sc

FAST = {"delay": 0.05}

SCENARIOS = {
    "retry_failing_action": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              action: std.fail
              retry:
                count: 3
                delay: 0
        """,
        state=st.ERROR, tasks={"task1": [st.ERROR]},
        actions={"task1": 4}, accepted={"task1": 1},
    ),
    "retry_one_line_with_delay_expression": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - delay
          tasks:
            task1:
              action: std.fail
              retry: count=3 delay=<% $.delay %>
        """,
        wf_input=FAST,
        state=st.ERROR, tasks={"task1": [st.ERROR]}, actions={"task1": 4},
    ),
    "retry_count_zero": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              action: std.fail
              retry:
                count: 0
                delay: 0
        """,
        state=st.ERROR, actions={"task1": 1},
    ),
    "retry_negative_count_fails_at_start": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - count
          tasks:
            task1:
              action: std.noop
              retry:
                count: <% $.count %>
                delay: 0
        """,
        wf_input={"count": -1},
        state=st.ERROR, tasks={"task1": [st.ERROR]}, actions={"task1": 0},
        task_info={"task1": "Invalid data type in RetryPolicy"},
    ),
    "retry_never_happens_on_success": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              action: std.echo output="hello"
              retry:
                count: 3
                delay: 0
        """,
        tasks={"task1": [st.SUCCESS]}, actions={"task1": 1},
        results={"task1": "hello"},
    ),
    "retry_break_on": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - var: 4
          tasks:
            task1:
              action: std.fail
              retry:
                count: 3
                delay: 0
                break-on: <% $.var >= 3 %>
        """,
        state=st.ERROR, actions={"task1": 1},
    ),
    "retry_break_on_not_happened": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - var: 2
          tasks:
            task1:
              action: std.fail
              retry:
                count: 3
                delay: 0
                break-on: <% $.var >= 3 %>
        """,
        state=st.ERROR, actions={"task1": 4},
    ),
    "retry_break_on_task_result": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            fail_task:
              action: std.fail error_data="boom"
              retry:
                count: 3
                delay: 0
                break-on: <% task().result = "boom" %>
        """,
        state=st.ERROR, actions={"fail_task": 1},
    ),
    "retry_continue_on_holds": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              action: std.echo output=1
              retry:
                count: 4
                delay: 0
                continue-on: <% task(task1).result < 3 %>
        """,
        tasks={"task1": [st.SUCCESS]}, actions={"task1": 5},
        accepted={"task1": 1},
    ),
    "retry_continue_on_not_happened": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              action: std.echo output=4
              retry:
                count: 4
                delay: 0
                continue-on: <% task(task1).result <= 3 %>
        """,
        tasks={"task1": [st.SUCCESS]}, actions={"task1": 1},
    ),
    "retry_from_task_defaults": sc.Scenario(
        """
        version: '2.0'
        wf1:
          task-defaults:
            retry:
              count: 2
              delay: 0
          tasks:
            task1:
              action: std.fail
        """,
        state=st.ERROR, actions={"task1": 3},
    ),
    "wait_before_zero_runs_at_once": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              action: std.echo output="Hi!"
              wait-before: 0
        """,
        tasks={"task1": [st.SUCCESS]},
    ),
    "wait_before_negative_fails_at_start": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - wait_before
          tasks:
            task1:
              action: std.echo output="Hi!"
              wait-before: <% $.wait_before %>
        """,
        wf_input={"wait_before": -1},
        state=st.ERROR, tasks={"task1": [st.ERROR]}, actions={"task1": 0},
    ),
    "wait_after_negative_fails_at_start": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - wait_after
          tasks:
            task1:
              action: std.echo output="Hi!"
              wait-after: <% $.wait_after %>
        """,
        wf_input={"wait_after": -1},
        state=st.ERROR, tasks={"task1": [st.ERROR]}, actions={"task1": 0},
    ),
    "wrong_policy_type": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - wait_before
          tasks:
            task1:
              action: std.echo output="Hi!"
              wait-before: <% $.wait_before %>
        """,
        wf_input={"wait_before": "1"},
        state=st.ERROR, state_info="Invalid data type in WaitBeforePolicy",
    ),
    "delayed_task_beside_another": sc.Scenario(
        """
        version: '2.0'
        wf:
          input:
            - delay
          tasks:
            task1:
              action: std.noop
              wait-before: <% $.delay %>
            task2:
              action: std.noop
        """,
        wf_input=FAST,
        tasks={"task1": [st.SUCCESS], "task2": [st.SUCCESS]},
    ),
    "wait_before_two_tasks": sc.Scenario(
        """
        version: '2.0'
        wf:
          input:
            - delay
          tasks:
            a:
              wait-before: <% $.delay %>
              on-success: b
            b:
              action: std.noop
        """,
        wf_input=FAST, tasks={"a": [st.SUCCESS], "b": [st.SUCCESS]},
    ),
    "timeout_fails_task_and_action": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - delay
          tasks:
            task1:
              action: std.async_noop
              timeout: <% $.delay %>
              on-error:
                - task2
            task2:
              action: std.echo output="Hi!"
              timeout: 3
        """,
        wf_input=FAST,
        tasks={"task1": [st.ERROR], "task2": [st.SUCCESS]},
        task_info={"task1": "Task timed out [timeout(s)=0.05]."},
    ),
    "timeout_zero_is_none": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              action: std.echo output="Hi!"
              timeout: 0
        """,
        tasks={"task1": [st.SUCCESS]},
    ),
    "timeout_negative_fails_at_start": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - timeout
          tasks:
            task1:
              action: std.async_noop
              timeout: <% $.timeout %>
        """,
        wf_input={"timeout": -1},
        state=st.ERROR, tasks={"task1": [st.ERROR]},
    ),
    "fail_on_true": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              action: std.echo output=4
              fail-on: <% task().result <= 4 %>
              publish:
                seen: <% task().result %>
        """,
        state=st.ERROR, tasks={"task1": [st.ERROR]},
        published={"task1": {"seen": 4}},
        task_info={"task1": "Failed by 'fail-on' policy"},
    ),
    "fail_on_false": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              action: std.echo output=4
              fail-on: <% task().result > 4 %>
        """,
        tasks={"task1": [st.SUCCESS]},
    ),
    "fail_on_follows_on_error": sc.Scenario(
        """
        version: '2.0'
        wf1:
          task-defaults:
            fail-on: <% task().result = "bad" %>
          tasks:
            task1:
              action: std.echo output="bad"
              on-error: handler
              on-success: never
            handler:
              action: std.noop
            never:
              action: std.noop
        """,
        tasks={"task1": [st.ERROR], "handler": [st.SUCCESS]},
    ),
    "wait_after_then_retry": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              action: std.fail
              wait-after: <% 0.05 %>
              retry:
                count: 2
                delay: 0
        """,
        state=st.ERROR, tasks={"task1": [st.ERROR]}, actions={"task1": 3},
    ),
    "wait_after_then_fail_on": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              action: std.echo output=4
              wait-after: <% 0.05 %>
              fail-on: <% task().result = 4 %>
              publish:
                seen: <% task().result %>
        """,
        state=st.ERROR, tasks={"task1": [st.ERROR]},
        published={"task1": {"seen": 4}},
        task_info={"task1": "Failed by 'fail-on' policy"},
    ),
    "concurrency_kept_on_a_plain_task": sc.Scenario(
        """
        version: '2.0'
        wf1:
          tasks:
            task1:
              action: std.echo output="Hi!"
              concurrency: 4
        """,
        tasks={"task1": [st.SUCCESS]},
    ),
    "concurrency_negative_fails_at_start": sc.Scenario(
        """
        version: '2.0'
        wf1:
          input:
            - concurrency
          tasks:
            task1:
              action: std.echo output="Hi!"
              concurrency: <% $.concurrency %>
        """,
        wf_input={"concurrency": -1},
        state=st.ERROR, tasks={"task1": [st.ERROR]},
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(stack, name):
    sc.run(stack, SCENARIOS[name])


@pytest.mark.parametrize("name", ["retry_failing_action",
                                  "timeout_fails_task_and_action",
                                  "delayed_task_beside_another"])
def test_scenario_on_every_backend(any_stack, name):
    sc.run(any_stack, SCENARIOS[name])


def _task(stack, ex_id, name="task1"):
    return stack.tasks(ex_id)[name][-1]


def test_retry_number_and_attempts(stack):
    wf_ex = sc.run(stack, SCENARIOS["retry_failing_action"])
    task = _task(stack, wf_ex.id)
    assert task.retry_no == 3
    actions = stack.actions(task.id)
    assert sorted(a.attempt for a in actions) == [1, 2, 3, 4]
    assert [a.attempt for a in actions if a.accepted] == [4]


@pytest.mark.parametrize("name,retry_no", [("retry_continue_on_holds", 4),
                                           ("retry_break_on", 0),
                                           ("retry_break_on_not_happened", 3),
                                           ("retry_count_zero", 0)])
def test_retry_number(stack, name, retry_no):
    wf_ex = sc.run(stack, SCENARIOS[name])
    assert _task(stack, wf_ex.id).retry_no == retry_no


def test_retry_succeeds_after_a_failure(stack):
    """Mistral's test_retry_policy_succeed_after_failure."""
    stack.create_workflows("""
        version: '2.0'
        wf1:
          output:
            result: <% task(task1).result %>
          tasks:
            task1:
              action: std.async_noop
              retry:
                count: 3
                delay: 0
        """)
    ex_id = stack.start("wf1")["id"]
    first = sc.wait_until(lambda: stack.actions(_task(stack, ex_id).id))[0]
    stack.engine.complete_action(stack.ctx, first.id, st.ERROR, "failed")
    second = sc.wait_until(lambda: [a for a in stack.actions(
        _task(stack, ex_id).id) if a.id != first.id])[0]
    assert second.attempt == 2
    stack.engine.complete_action(stack.ctx, second.id, st.SUCCESS,
                                 "mocked result")
    wf_ex = stack.wait_for(ex_id)
    assert wf_ex.state == st.SUCCESS
    assert wf_ex.output == {"result": "mocked result"}
    assert _task(stack, ex_id).retry_no == 1


def test_wait_before_delays_the_task(stack):
    stack.create_workflows("""
        version: '2.0'
        wf1:
          input:
            - delay
          tasks:
            task1:
              action: std.echo output="Hi!"
              wait-before: <% $.delay %>
        """)
    ex_id = stack.start("wf1", {"delay": 0.2})["id"]
    task = sc.task_in(stack, ex_id, "task1", (st.DELAYED, st.RUNNING,
                                              st.SUCCESS))
    assert task.state == st.DELAYED
    assert task.state_info == "Delayed by 'wait-before' policy [delay=0.2]"
    assert stack.actions(task.id) == []
    with stack.db.reading() as session:
        assert db_jobs.has_job(session, task.id)
    assert stack.wait_for(ex_id).state == st.SUCCESS
    assert _task(stack, ex_id).state == st.SUCCESS


def test_wait_after_delays_the_completion(stack):
    stack.create_workflows("""
        version: '2.0'
        wf1:
          input:
            - delay
          tasks:
            task1:
              action: std.echo output="Hi!"
              wait-after: <% $.delay %>
              publish:
                said: <% task().result %>
        """)
    ex_id = stack.start("wf1", {"delay": 0.2})["id"]
    task = sc.task_in(stack, ex_id, "task1", (st.DELAYED, st.SUCCESS))
    assert task.state == st.DELAYED
    assert task.state_info == "Delayed by 'wait-after' policy [delay=0.2]"
    wf_ex = stack.wait_for(ex_id)
    assert wf_ex.state == st.SUCCESS
    assert wf_ex.output == {"delay": 0.2, "said": "Hi!"}


def test_timeout_fails_the_running_action(stack):
    wf_ex = sc.run(stack, SCENARIOS["timeout_fails_task_and_action"])
    [action] = stack.actions(_task(stack, wf_ex.id).id)
    assert action.state == st.ERROR
    # A late result changes nothing.
    stack.engine.complete_action(stack.ctx, action.id, st.SUCCESS, "late")
    assert stack.task_states(wf_ex.id) == {"task1": [st.ERROR],
                                           "task2": [st.SUCCESS]}


def test_concurrency_is_kept(stack):
    wf_ex = sc.run(stack, SCENARIOS["concurrency_kept_on_a_plain_task"])
    assert _task(stack, wf_ex.id).concurrency == 4


PAUSE_BEFORE = """
version: '2.0'
wf1:
  input:
    - delay: 0
  tasks:
    task1:
      action: std.echo output="Hi!"
      pause-before: true
      wait-before: <% $.delay %>
      on-success:
        - task2
    task2:
      action: std.echo output="Bye!"
"""


@pytest.mark.parametrize("delay", [0, 0.05])
def test_pause_before_then_resume(stack, delay):
    """Mistral's test_pause_before_policy (and _with_delay_policy)."""
    stack.create_workflows(PAUSE_BEFORE)
    ex_id = stack.start("wf1", {"delay": delay})["id"]
    wf_ex = stack.wait_for(ex_id, (st.PAUSED,))
    task = _task(stack, ex_id)
    assert task.state == st.IDLE
    assert task.state_info == "Set by 'pause-before' policy"
    assert stack.actions(task.id) == []
    stack.engine.update_execution(stack.ctx, ex_id, state=st.RUNNING)
    wf_ex = stack.wait_for(ex_id)
    assert wf_ex.state == st.SUCCESS
    assert stack.task_states(ex_id) == {"task1": [st.SUCCESS],
                                        "task2": [st.SUCCESS]}


def test_pause_before_holds_the_other_start_tasks(stack):
    stack.create_workflows("""
        version: '2.0'
        wf1:
          tasks:
            held:
              action: std.noop
              pause-before: true
            other:
              action: std.noop
        """)
    ex_id = stack.start("wf1")["id"]
    stack.wait_for(ex_id, (st.PAUSED,))
    assert stack.task_states(ex_id) == {"held": [st.IDLE]}
    stack.engine.update_execution(stack.ctx, ex_id, state=st.RUNNING)
    assert stack.wait_for(ex_id).state == st.SUCCESS
    assert stack.task_states(ex_id) == {"held": [st.SUCCESS],
                                        "other": [st.SUCCESS]}


def test_retry_delay_waits_while_paused(stack):
    """A delay that ends while the execution is paused waits for resume."""
    stack.create_workflows("""
        version: '2.0'
        wf1:
          input:
            - delay
          tasks:
            task1:
              action: std.fail
              retry:
                count: 1
                delay: <% $.delay %>
        """)
    ex_id = stack.start("wf1", {"delay": 0.2})["id"]
    sc.task_in(stack, ex_id, "task1", (st.DELAYED,))
    stack.engine.update_execution(stack.ctx, ex_id, state=st.PAUSED)
    # The job comes due and is parked, not run.
    sc.wait_until(lambda: _parked(stack))
    assert _task(stack, ex_id).state == st.DELAYED
    assert len(stack.actions(_task(stack, ex_id).id)) == 1
    stack.engine.update_execution(stack.ctx, ex_id, state=st.RUNNING)
    wf_ex = stack.wait_for(ex_id)
    assert wf_ex.state == st.ERROR
    assert len(stack.actions(_task(stack, ex_id).id)) == 2


def _parked(stack):
    with stack.db.reading() as session:
        return session.query(models.ScheduledJob).filter_by(
            owner=db_jobs.PARKED).count()


def test_delays_survive_a_restart(prompt_shutdown, tmp_path):
    """The job is a row: another engine process runs it after a restart."""
    url = "sqlite:///%s" % (tmp_path / "restart.sqlite")
    first = stack_fixture.Stack(url)
    try:
        first.create_workflows("""
            version: '2.0'
            wf1:
              input:
                - delay
              tasks:
                task1:
                  action: std.echo output="Hi!"
                  wait-before: <% $.delay %>
            """)
        ex_id = first.start("wf1", {"delay": 0.3})["id"]
        sc.task_in(first, ex_id, "task1", (st.DELAYED,))
    finally:
        first.stop()
    second = stack_fixture.Stack(url)
    try:
        assert second.wait_for(ex_id).state == st.SUCCESS
    finally:
        second.stop()
