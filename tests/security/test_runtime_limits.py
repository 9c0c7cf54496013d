"""Values produced at run time over ``[engine] max_result_size``.

An action's output, published variables, a task's result (with-items), a
sub-workflow's or workflow's output: over the limit the value is not
stored, the task (or workflow) ends in ERROR with a message naming the
size, the limit and the option, and a re-run with smaller output succeeds.
The limit is 2 KB here so that small workflows cross it.
"""
import pytest

from mistral_resume import conf as mr_conf
from mistral_resume.db import api as db_api
from mistral_resume.db import items as db_items
from mistral_resume.engine import limits
from mistral_resume.expressions import base as expr
from mistral_resume.workflow import statuses as st
from tests.resume import helpers

LIMIT = 2048
OPTION = "the limit is 2 KB ([engine] max_result_size)"


@pytest.fixture(autouse=True)
def small_limit():
    saved = limits.max_result_size()
    limits.configure(LIMIT)
    yield
    limits.configure(saved)


# t1's output is std.test_dict's: about 8 bytes per entry.
BIG_ACTION = """\
---
version: '2.0'
big_action:
  tasks:
    t1:
      action: std.test_dict size=<% env().size %> key_prefix=k
      publish:
        count: <% task().result.len() %>
      on-success: t2
    t2:
      action: std.echo output=done
"""


def _dict(size):
    return {"k%d" % i: "" for i in range(size)}


def _message(what, value):
    """What the engine says about ``value``: its JSON size, the limit."""
    return "%s is %s; %s" % (what, limits.human(limits.size_of(value)),
                             OPTION)


BIG_RESULT = _message("The action result", _dict(1000))


def _task(stack, ex_id, name):
    return helpers.tasks_by_name(stack, ex_id)[name]


def test_action_output_over_the_limit_fails_the_task_and_is_not_stored(
        stack):
    ex, tasks = helpers.failed(stack, BIG_ACTION, "big_action",
                               env={"size": 1000})
    t1 = tasks["t1"]
    assert t1["state"] == st.ERROR and "t2" not in tasks
    assert BIG_RESULT in t1["state_info"]
    [action] = stack.actions(t1["id"])
    assert action.state == st.ERROR
    assert action.output == {"result": BIG_RESULT}
    wf_ex = stack.wait_for(ex["id"])
    assert "t1" in wf_ex.state_info and OPTION in wf_ex.state_info


def test_rerun_with_smaller_output_succeeds(stack):
    ex, tasks = helpers.failed(stack, BIG_ACTION, "big_action",
                               env={"size": 1000})
    stack.app.put_json("/v2/tasks/%s" % tasks["t1"]["id"], {
        "state": "RUNNING", "reset": True, "env": {"size": 3}})
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    t1 = _task(stack, ex["id"], "t1")
    assert t1["state"] == st.SUCCESS
    assert _task(stack, ex["id"], "t2")["state"] == st.SUCCESS
    actions = stack.actions(t1["id"])
    assert [(a.state, a.accepted) for a in actions] == [
        (st.ERROR, False), (st.SUCCESS, True)]
    assert actions[1].output == {"result": {"k0": "", "k1": "", "k2": ""}}


def test_published_variables_over_the_limit_fail_the_task(stack):
    wf_ex = stack.run("""\
---
version: '2.0'
big_publish:
  tasks:
    t1:
      action: std.echo output=small
      publish:
        small: <% task().result %>
        big: <% 'x' * 3000 %>
      on-success: t2
    t2:
      action: std.noop
""")
    assert wf_ex.state == st.ERROR
    [t1] = stack.tasks(wf_ex.id)["t1"]
    assert t1.state == st.ERROR and t1.published == {}
    assert t1.state_info == _message("The published data", {
        "small": "small", "big": "x" * 3000})
    assert "t2" not in stack.tasks(wf_ex.id)


def test_global_publish_over_the_limit_fails_the_task(stack):
    wf_ex = stack.run("""\
---
version: '2.0'
big_global:
  tasks:
    t1:
      action: std.noop
      on-success:
        publish:
          global:
            big: <% 'x' * 3000 %>
""")
    assert wf_ex.state == st.ERROR
    [t1] = stack.tasks(wf_ex.id)["t1"]
    assert t1.state == st.ERROR
    assert _message("The global data", {"big": "x" * 3000}) in (
        t1.state_info)
    with stack.db.reading() as session:
        context = db_api.get_execution(session, wf_ex.id).context
    assert "big" not in (context or {})


WITH_ITEMS = """\
---
version: '2.0'
items:
  input:
    - sizes
  tasks:
    t1:
      with-items: size in <% $.sizes %>
      action: std.test_dict size=<% $.size %> key_prefix=k
"""


def test_a_with_items_item_over_the_limit_fails_its_task(stack):
    wf_ex = stack.run(WITH_ITEMS, wf_input={"sizes": [1, 1000, 2]})
    assert wf_ex.state == st.ERROR
    [t1] = stack.tasks(wf_ex.id)["t1"]
    assert t1.state == st.ERROR
    states = {a.item_index: a.state for a in stack.actions(t1.id)}
    assert states == {0: st.SUCCESS, 1: st.ERROR, 2: st.SUCCESS}
    [big] = [a for a in stack.actions(t1.id) if a.item_index == 1]
    assert big.output == {"result": BIG_RESULT}


def test_with_items_results_over_the_limit_together_fail_the_task(stack):
    # Each item's 1.1 KB is allowed; the task's list of them is not.
    wf_ex = stack.run(WITH_ITEMS, wf_input={"sizes": [100, 100, 100]})
    assert wf_ex.state == st.ERROR
    [t1] = stack.tasks(wf_ex.id)["t1"]
    assert t1.state == st.ERROR and t1.result is None
    assert t1.state_info == _message("The task result", [_dict(100)] * 3)
    assert all(a.state == st.SUCCESS for a in stack.actions(t1.id))


SUBWORKFLOW = """\
---
version: '2.0'
parent:
  tasks:
    call:
      workflow: child
      input:
        size: <% env().size %>
child:
  input:
    - size
  output:
    text: <% 'x' * $.size %>
  tasks:
    t1:
      action: std.noop
"""


def test_sub_workflow_output_over_the_limit_fails_child_and_parent(stack):
    ex, tasks = helpers.failed(stack, SUBWORKFLOW, "parent",
                               env={"size": 3000})
    call = tasks["call"]
    assert call["state"] == st.ERROR
    message = _message("The workflow output", {"text": "x" * 3000})
    assert message in call["state_info"]
    with stack.db.reading() as session:
        [child] = db_items.running_children(session, call["id"],
                                           (st.ERROR,))
    assert child.state_info == message
    assert child.output["result"] == message
    # The parent failed as for any task error.
    wf_ex = stack.wait_for(ex["id"])
    assert wf_ex.state == st.ERROR and "call" in wf_ex.state_info
    # The child has no failed task: a re-run of 'call' decides the child
    # again, in place (its output evaluated anew): over the limit still, it
    # fails again; once the operator raised the limit, it succeeds.
    rerun = {"state": "RUNNING", "resume": {"task": "call"}}
    stack.app.put_json("/v2/executions/%s" % ex["id"], rerun)
    assert stack.wait_for(ex["id"]).state == st.ERROR
    limits.configure(10 * 1024)
    stack.app.put_json("/v2/executions/%s" % ex["id"], rerun)
    assert stack.wait_for(ex["id"]).state == st.SUCCESS
    with stack.db.reading() as session:
        [again] = db_api.child_executions(session, call["id"])
    assert again.id == child.id and again.state == st.SUCCESS
    assert again.output == {"text": "x" * 3000}
    assert stack.tasks(ex["id"])["call"][0].state == st.SUCCESS


def test_workflow_output_over_the_limit_fails_the_workflow(stack):
    wf_ex = stack.run("""\
---
version: '2.0'
big_output:
  output:
    text: <% 'x' * 3000 %>
  tasks:
    t1:
      action: std.noop
""")
    assert wf_ex.state == st.ERROR
    message = _message("The workflow output", {"text": "x" * 3000})
    assert wf_ex.state_info == message
    assert wf_ex.output == {"result": message}


def test_under_the_limit_everything_is_stored(stack):
    wf_ex = stack.run(BIG_ACTION, params={"env": {"size": 50}})
    assert wf_ex.state == st.SUCCESS
    [t1] = stack.tasks(wf_ex.id)["t1"]
    assert len(t1.result) == 50 and t1.published == {"count": 50}


@pytest.mark.parametrize("size, text", [
    (12, "12 bytes"),
    (2048, "2 KB"),
    (10 * 1024 + 600, "10.6 KB"),
    (3 * 1024 * 1024 + 300 * 1024, "3.3 MB"),
])
def test_sizes_are_written_for_people(size, text):
    assert limits.human(size) == text


def test_a_value_json_cannot_hold_is_refused_with_the_reason():
    message = limits.problem("The task result", {"n": 10 ** 5000})
    assert message.startswith("The task result cannot be stored: ")
    assert "4300 digits" in message


def test_zero_means_no_limit():
    limits.configure(0)
    assert limits.problem("The task result", "x" * 100000) is None


@pytest.mark.parametrize("value", [-1, 1.5, "10", True])
def test_configure_refuses_bad_values(value):
    with pytest.raises(ValueError):
        limits.configure(value)
    assert limits.max_result_size() == LIMIT


def test_configure_from_applies_the_engine_options():
    saved = expr.limits()["time_limit"]
    conf = mr_conf.make([], engine__max_result_size=4096,
                        engine__expression_time_limit=3.5)
    try:
        limits.configure_from(conf)
        assert limits.max_result_size() == 4096
        assert expr.limits()["time_limit"] == 3.5
    finally:
        expr.configure(time_limit=saved)


def test_output_on_error_over_the_limit_is_dropped(stack):
    wf_ex = stack.run("""\
---
version: '2.0'
big_output_on_error:
  output-on-error:
    text: <% 'x' * 3000 %>
  tasks:
    t1:
      action: std.fail
""")
    assert wf_ex.state == st.ERROR
    assert "t1" in wf_ex.state_info
    assert list(wf_ex.output) == ["result"]
    first, second = wf_ex.output["result"].split("\n", 1)[0], (
        wf_ex.output["result"].rsplit("\n", 1)[-1])
    assert wf_ex.state_info.startswith(first)
    assert second.startswith("The output-on-error is ")
    assert second.endswith(OPTION)
