"""Direct workflows of noop/echo/fail tasks, end to end through the engine.

Scenarios are data: the workflow, then the final workflow state, each
task's states (in creation order), the number of action executions and,
where it matters, the output. Expected outcomes are Mistral 23's.
"""
import time

import pytest

from mistral_resume.workflow import statuses as st

SCENARIOS = {
    "sequence": (
        """
        version: '2.0'
        wf:
          tasks:
            t1:
              action: std.noop
              on-success: t2
            t2:
              action: std.echo output="two"
              on-success: [t3]
            t3:
              action: std.noop
        """,
        st.SUCCESS,
        {"t1": [st.SUCCESS], "t2": [st.SUCCESS], "t3": [st.SUCCESS]},
        3,
    ),
    "on_error_branch_handles_failure": (
        """
        version: '2.0'
        wf:
          tasks:
            t1:
              action: std.fail
              on-success: never
              on-error: handler
            handler:
              action: std.echo output="handled"
            never:
              action: std.noop
        """,
        st.SUCCESS,
        {"t1": [st.ERROR], "handler": [st.SUCCESS]},
        2,
    ),
    "unhandled_failure_fails_workflow": (
        """
        version: '2.0'
        wf:
          tasks:
            t1:
              action: std.fail
              on-success: t2
            t2:
              action: std.noop
        """,
        st.ERROR,
        {"t1": [st.ERROR]},
        1,
    ),
    "on_complete_follows_success_and_failure": (
        """
        version: '2.0'
        wf:
          tasks:
            ok:
              action: std.noop
              on-complete: after_ok
            bad:
              action: std.fail
              on-complete: after_bad
            after_ok:
              action: std.noop
            after_bad:
              action: std.noop
        """,
        st.SUCCESS,
        {"ok": [st.SUCCESS], "bad": [st.ERROR], "after_ok": [st.SUCCESS],
         "after_bad": [st.SUCCESS]},
        4,
    ),
    "failed_branch_fails_after_other_branch_ends": (
        """
        version: '2.0'
        wf:
          tasks:
            a:
              action: std.fail
            b:
              action: std.noop
              on-success: c
            c:
              action: std.noop
        """,
        st.ERROR,
        {"a": [st.ERROR], "b": [st.SUCCESS], "c": [st.SUCCESS]},
        3,
    ),
    "fail_command": (
        """
        version: '2.0'
        wf:
          tasks:
            t1:
              action: std.noop
              on-success:
                - fail
        """,
        st.ERROR,
        {"t1": [st.SUCCESS]},
        1,
    ),
    "succeed_command_after_error": (
        """
        version: '2.0'
        wf:
          tasks:
            t1:
              action: std.fail
              on-error:
                - succeed
        """,
        st.SUCCESS,
        {"t1": [st.ERROR]},
        1,
    ),
    "join_all": (
        """
        version: '2.0'
        wf:
          tasks:
            a:
              action: std.noop
              on-success: j
            b:
              action: std.noop
              on-success: j
            j:
              join: all
              action: std.noop
        """,
        st.SUCCESS,
        {"a": [st.SUCCESS], "b": [st.SUCCESS], "j": [st.SUCCESS]},
        3,
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(stack, name):
    text, wf_state, task_states, action_count = SCENARIOS[name]
    wf_ex = stack.run(text)
    assert wf_ex.state == wf_state, wf_ex.state_info
    assert stack.task_states(wf_ex.id) == task_states
    tasks = stack.tasks(wf_ex.id)
    actions = [a for rows in tasks.values() for t in rows
               for a in stack.actions(t.id)]
    assert len(actions) == action_count
    assert all(a.accepted for a in actions)


def test_unhandled_failure_names_the_task(stack):
    wf_ex = stack.run(SCENARIOS["unhandled_failure_fails_workflow"][0])
    assert "Failure caused by error in tasks: t1" in wf_ex.state_info
    assert "Fail action expected exception." in wf_ex.state_info
    assert wf_ex.output["result"] == wf_ex.state_info
    t1 = stack.tasks(wf_ex.id)["t1"][0]
    assert "Fail action expected exception." in t1.state_info
    [action] = stack.actions(t1.id)
    assert action.state == st.ERROR


def test_output_and_publish(stack):
    wf_ex = stack.run("""
        version: '2.0'
        wf:
          input:
            - name
          output:
            greeting: <% $.greeting %>
          tasks:
            hello:
              action: std.echo output="Hello, <% $.name %>"
              publish:
                greeting: <% task().result %>
        """, wf_input={"name": "Mistral"})
    assert wf_ex.state == st.SUCCESS, wf_ex.state_info
    assert wf_ex.output == {"greeting": "Hello, Mistral"}
    hello = stack.tasks(wf_ex.id)["hello"][0]
    assert hello.published == {"greeting": "Hello, Mistral"}
    assert hello.result == "Hello, Mistral"


def test_output_defaults_to_final_context(stack):
    wf_ex = stack.run("""
        version: '2.0'
        wf:
          input:
            - x: 1
          tasks:
            t1:
              action: std.echo output=2
              publish:
                y: <% task().result %>
        """)
    assert wf_ex.output == {"x": 1, "y": 2}


def test_conditional_transitions(stack):
    wf_ex = stack.run("""
        version: '2.0'
        wf:
          input:
            - n
          tasks:
            check:
              action: std.noop
              on-success:
                - big: <% $.n > 10 %>
                - small: <% $.n <= 10 %>
            big:
              action: std.noop
            small:
              action: std.noop
        """, wf_input={"n": 3})
    assert wf_ex.state == st.SUCCESS
    assert set(stack.task_states(wf_ex.id)) == {"check", "small"}


def test_pause_command_then_resume(stack):
    wf_ex = stack.run("""
        version: '2.0'
        wf:
          tasks:
            t1:
              action: std.noop
              on-success:
                - pause
                - t2
            t2:
              action: std.noop
        """, states=(st.PAUSED,))
    assert stack.task_states(wf_ex.id) == {"t1": [st.SUCCESS]}
    stack.engine.update_execution(stack.ctx, wf_ex.id, state=st.RUNNING)
    wf_ex = stack.wait_for(wf_ex.id)
    assert wf_ex.state == st.SUCCESS
    assert stack.task_states(wf_ex.id) == {"t1": [st.SUCCESS],
                                           "t2": [st.SUCCESS]}


def test_duplicate_action_result_changes_nothing(stack):
    wf_ex = stack.run(SCENARIOS["sequence"][0])
    t3 = stack.tasks(wf_ex.id)["t3"][0]
    [action] = stack.actions(t3.id)
    before = (action.state, action.output, action.updated_at)
    stack.engine.on_action_complete(stack.ctx, action.id,
                                    {"data": None, "error": "late failure"})
    stack.engine.complete_action(stack.ctx, action.id, st.SUCCESS, "again")
    [after] = stack.actions(t3.id)
    assert (after.state, after.output, after.updated_at) == before
    assert stack.wait_for(wf_ex.id).state == st.SUCCESS


def test_result_naming_another_root_completes_under_its_own(stack):
    """The executor echoes the root execution run_action named; the
    engine locks it without a read, and falls back to the row's own root
    if they differ."""
    stack.create_workflows("""
        version: '2.0'
        echoed:
          tasks:
            t1:
              action: std.async_noop
              on-success: t2
            t2:
              action: std.noop
        """)
    other = stack.run(SCENARIOS["sequence"][0])
    ex = stack.start("echoed")
    deadline = time.monotonic() + 30
    while not stack.tasks(ex["id"]).get("t1"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    t1 = stack.tasks(ex["id"])["t1"][0]
    [action] = stack.actions(t1.id)
    assert action.root_execution_id == ex["id"]
    stack.engine.on_action_complete(stack.ctx, action.id,
                                    {"data": "done", "error": None},
                                    root_execution_id=other.id)
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    [done] = stack.actions(t1.id)
    assert (done.state, done.output) == (st.SUCCESS, {"result": "done"})


def test_runtime_expression_error_fails_the_task(stack):
    wf_ex = stack.run("""
        version: '2.0'
        wf:
          tasks:
            t1:
              action: std.echo output=<% $.missing.deeper %>
        """)
    assert wf_ex.state == st.ERROR
    t1 = stack.tasks(wf_ex.id)["t1"][0]
    assert t1.state == st.ERROR
    assert "missing" in t1.state_info


@pytest.mark.parametrize("name", ["sequence", "join_all",
                                  "on_error_branch_handles_failure",
                                  "unhandled_failure_fails_workflow"])
def test_scenario_on_every_backend(any_stack, name):
    text, wf_state, task_states, action_count = SCENARIOS[name]
    wf_ex = any_stack.run(text)
    assert wf_ex.state == wf_state, wf_ex.state_info
    assert any_stack.task_states(wf_ex.id) == task_states


def test_many_executions_at_once_on_every_backend(any_stack):
    """Concurrent executions through the engine's thread pool."""
    any_stack.create_workflows(SCENARIOS["join_all"][0])
    ids = [any_stack.start("wf")["id"] for _ in range(10)]
    for ex_id in ids:
        assert any_stack.wait_for(ex_id).state == st.SUCCESS
        assert any_stack.task_states(ex_id) == {
            "a": [st.SUCCESS], "b": [st.SUCCESS], "j": [st.SUCCESS]}
