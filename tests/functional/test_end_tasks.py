"""End tasks: the tasks no other task was triggered by.

A workflow's output merges the data of its completed end tasks (Mistral).
Each task row carries ``has_next_tasks``, set when a task names it in
``triggered_by``, so ending an execution reads its end tasks only.
"""
from mistral_resume.workflow import statuses as st

DIRECT = """
version: '2.0'
wf:
  output:
    seen: <% $.seen %>
    c: <% $.c %>
    d: <% $.d %>
  tasks:
    a:
      action: std.noop
      publish: {seen: a}
      on-success: [b, c]
    b:
      action: std.noop
      publish: {seen: b}
      on-success: d
    c:
      action: std.noop
      publish: {c: from c}
    d:
      action: std.noop
      publish: {d: from d, seen: d}
"""

JOIN = """
version: '2.0'
wf:
  tasks:
    fork:
      action: std.noop
      on-success: [x, y, z]
    x:
      action: std.noop
      on-success: joined
    y:
      action: std.noop
      on-success: joined
    z:
      action: std.noop
      on-success: joined
    joined:
      join: all
      action: std.noop
"""

REVERSE = """
version: '2.0'
wf:
  type: reverse
  output:
    got: <% $.got %>
  tasks:
    a:
      action: std.noop
      publish: {got: a}
    b:
      action: std.noop
      publish: {got: b}
    x:
      action: std.noop
      requires: [a, b]
      publish: {got: x}
"""


def _flags(stack, ex_id):
    return {name: [t.has_next_tasks for t in rows]
            for name, rows in stack.tasks(ex_id).items()}


def test_direct_workflow_output_merges_its_end_tasks(stack):
    wf_ex = stack.run(DIRECT)

    assert wf_ex.state == st.SUCCESS
    assert _flags(stack, wf_ex.id) == {"a": [True], "b": [True],
                                       "c": [False], "d": [False]}
    assert wf_ex.output == {"seen": "d", "c": "from c", "d": "from d"}


def test_every_branch_of_a_join_has_a_next_task(any_stack):
    wf_ex = any_stack.run(JOIN)

    assert wf_ex.state == st.SUCCESS
    assert _flags(any_stack, wf_ex.id) == {
        "fork": [True], "x": [True], "y": [True], "z": [True],
        "joined": [False]}


def test_reverse_task_marks_every_task_it_requires(any_stack):
    wf_ex = any_stack.run(REVERSE, params={"task_name": "x"})

    assert wf_ex.state == st.SUCCESS
    assert _flags(any_stack, wf_ex.id) == {"a": [True], "b": [True],
                                           "x": [False]}
    assert wf_ex.output == {"got": "x"}
