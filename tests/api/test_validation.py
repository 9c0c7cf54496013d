"""What a user gets for a bad workflow, through the API.

At workflow-create: a 400 that says where (line, workflow, task, field),
and nothing stored. At execution start: a 400 naming the input, and no
execution. At run time: an expression that fails puts the task (or the
workflow) in ERROR with a message that names the expression, never a 500.
"""
import pytest

from mistral_resume.workflow import statuses as st
from tests.api import helpers


def doc(tasks, head=""):
    return "version: '2.0'\nwf:\n%s  tasks:\n%s" % (head, tasks)


# name: (document, [fragments the faultstring must contain])
CREATE_ERRORS = {
    "bad_yaml": (
        doc("    t1:\n      action: std.noop\n     on-success: t2\n"),
        ["Invalid YAML", "line 6"]),
    "tab_in_yaml": (
        "version: '2.0'\nwf:\n\ttasks: {}\n",
        ["Invalid YAML", "line 3"]),
    "not_a_mapping": (
        "- just\n- a list\n",
        ["Invalid document"]),
    "missing_version": (
        "wf:\n  tasks:\n    t1:\n      action: std.noop\n",
        ["field 'version'", "is required", "line 1"]),
    "unknown_task_field": (
        doc("    t1:\n      action: std.noop\n      on-sucess: t2\n"),
        ["workflow 'wf'", "task 't1'", "field 'on-sucess'",
         "unknown key 'on-sucess'", "did you mean 'on-success'", "line 6"]),
    "wrong_field_type": (
        doc("    t1:\n      action: std.noop\n      keep-result: [1]\n"),
        ["task 't1'", "field 'keep-result'", "expected a boolean",
         "line 6"]),
    "action_and_workflow": (
        doc("    t1:\n      action: std.noop\n      workflow: other\n"),
        ["task 't1'", "'action' or 'workflow', not both"]),
    "unknown_workflow_field": (
        doc("    t1:\n      action: std.noop\n", head="  inputs: [a]\n"),
        ["workflow 'wf'", "field 'inputs'", "unknown key"]),
    "unknown_action": (
        doc("    t1:\n      action: std.nope\n"),
        ["task 't1'", "field 'action'", "unknown action 'std.nope'",
         "line 5"]),
    "unknown_task_in_on_success": (
        doc("    t1:\n      action: std.noop\n      on-success: t9\n"),
        ["task 't1'", "field 'on-success'", "unknown task 't9'", "line 6"]),
    "unknown_task_in_conditional_on_error": (
        doc("    t1:\n      action: std.noop\n      on-error:\n"
            "        - t9: <% true %>\n"),
        ["task 't1'", "field 'on-error'", "unknown task 't9'"]),
    "unknown_task_in_on_complete_list": (
        doc("    t1:\n      action: std.noop\n      on-complete: [t2, t9]\n"
            "    t2:\n      action: std.noop\n"),
        ["task 't1'", "field 'on-complete'", "unknown task 't9'"]),
    "yaql_syntax_in_inline_input": (
        doc("    t1:\n      action: std.echo output=<% $.x + %>\n"),
        ["task 't1'", "field 'action'", "Invalid YAQL expression",
         "$.x +", "line 5"]),
    "jinja_syntax_in_input": (
        doc("    t1:\n      action: std.echo\n      input:\n"
            "        output: '{{ $.x + }}'\n"),
        ["task 't1'", "field 'input.output'", "Invalid Jinja expression",
         "line 7"]),
    "yaql_syntax_in_publish": (
        doc("    t1:\n      action: std.noop\n      publish:\n"
            "        a: <% $.x[ %>\n"),
        ["task 't1'", "field 'publish.a'", "Invalid YAQL expression",
         "line 7"]),
    "yaql_syntax_in_transition_condition": (
        doc("    t1:\n      action: std.noop\n      on-success:\n"
            "        - t2: <% $.a = = 1 %>\n"
            "    t2:\n      action: std.noop\n"),
        ["task 't1'", "field 'on-success'", "Invalid YAQL expression"]),
    "yaql_syntax_in_workflow_output": (
        doc("    t1:\n      action: std.noop\n",
            head="  output:\n    r: <% $.( %>\n"),
        ["workflow 'wf'", "field 'output.r'", "Invalid YAQL expression"]),
}


@pytest.mark.parametrize("name", sorted(CREATE_ERRORS))
def test_create_refuses_with_400_saying_where(stack, name):
    text, fragments = CREATE_ERRORS[name]
    response = helpers.create(stack.app, text, status=400)
    message = helpers.fault(response)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert stack.app.get("/v2/workflows").json["workflows"] == []


@pytest.mark.parametrize("name", sorted(CREATE_ERRORS))
def test_validate_reports_the_same_error(stack, name):
    text, fragments = CREATE_ERRORS[name]
    answer = stack.app.post("/v2/workflows/validate", text,
                            headers=helpers.TEXT).json
    assert answer["valid"] is False
    for fragment in fragments:
        assert fragment in answer["error"], (fragment, answer["error"])


def test_one_bad_workflow_in_a_document_stores_none_of_it(stack):
    text = (helpers.DOC + "broken:\n  tasks:\n    t1:\n"
            "      action: std.noop\n      on-success: nowhere\n")
    response = helpers.create(stack.app, text, status=400)
    assert "workflow 'broken'" in helpers.fault(response)
    assert stack.app.get("/v2/workflows").json["workflows"] == []


def test_update_with_a_bad_document_keeps_the_stored_one(stack):
    helpers.create(stack.app)
    before = stack.app.get("/v2/workflows/hello").json
    response = stack.app.put("/v2/workflows", "version: '2.0'\nhello:\n"
                             "  tasks:\n    t1:\n      action: std.nope\n",
                             headers=helpers.TEXT, status=400)
    assert "unknown action 'std.nope'" in helpers.fault(response)
    assert stack.app.get("/v2/workflows/hello").json == before


@pytest.mark.parametrize("wf_input, fragments", [
    ({}, ["workflow 'hello'", "missing: name"]),
    ({"greeting": "hi"}, ["missing: name"]),
    ({"name": "bob", "colour": "red"}, ["unexpected: colour"]),
    ({"name": "bob", "a": 1, "b": 2}, ["unexpected: a, b"]),
])
def test_start_with_bad_input_is_400_naming_it(stack, wf_input, fragments):
    helpers.create(stack.app)
    response = helpers.start(stack.app, "hello", wf_input, status=400)
    message = helpers.fault(response)
    for fragment in fragments:
        assert fragment in message, message
    assert "declared input: [name, greeting]" in message
    assert stack.app.get("/v2/executions").json["executions"] == []


def test_start_of_an_unknown_workflow_is_404(stack):
    response = helpers.start(stack.app, "nope", {}, status=404)
    assert "nope" in helpers.fault(response)
    assert stack.app.get("/v2/executions").json["executions"] == []


RUNTIME_ERRORS = {
    # name: (document, failed task or None, fragments of its state_info,
    #        fragments of the execution's state_info)
    "yaql_in_input": (
        doc("    t1:\n      action: std.echo output=<% $.missing.deeper %>\n"),
        "t1", ["Can not evaluate YAQL expression", "$.missing.deeper"],
        ["Failure caused by error in tasks: t1"]),
    "jinja_in_input": (
        doc("    t1:\n      action: std.echo\n      input:\n"
            "        output: '{{ _.nope.deeper }}'\n"),
        "t1", ["Can not evaluate Jinja expression", "_.nope.deeper"],
        ["Failure caused by error in tasks: t1"]),
    "division_by_zero": (
        doc("    t1:\n      action: std.echo output=<% 1 / 0 %>\n"),
        "t1", ["Can not evaluate YAQL expression", "division"], ["t1"]),
    "publish": (
        doc("    t1:\n      action: std.echo output=1\n      publish:\n"
            "        x: <% task().result.foo %>\n"),
        "t1", ["Failed to publish variables", "task().result.foo"], ["t1"]),
    "workflow_output": (
        doc("    t1:\n      action: std.noop\n",
            head="  output:\n    x: <% $.a.b %>\n"),
        None, [], ["Failed to evaluate the workflow output", "$.a.b"]),
    "transition_condition": (
        doc("    t1:\n      action: std.noop\n      on-success:\n"
            "        - t2: <% $.a.b %>\n    t2:\n      action: std.noop\n"),
        None, [], ["Failed to evaluate the transitions of task 't1'",
                   "$.a.b"]),
}


@pytest.mark.parametrize("name", sorted(RUNTIME_ERRORS))
def test_runtime_expression_failure_is_an_error_state(stack, name):
    text, task_name, task_fragments, ex_fragments = RUNTIME_ERRORS[name]
    helpers.create(stack.app, text)
    ex = helpers.run(stack, "wf", {})
    assert ex["state"] == st.ERROR
    for fragment in ex_fragments:
        assert fragment in ex["state_info"], ex["state_info"]
    tasks = {t["name"]: t for t in stack.app.get(
        "/v2/executions/%s/tasks" % ex["id"]).json["tasks"]}
    if task_name is not None:
        task = stack.app.get("/v2/tasks/%s" % tasks[task_name]["id"]).json
        assert task["state"] == st.ERROR
        for fragment in task_fragments:
            assert fragment in task["state_info"], task["state_info"]
