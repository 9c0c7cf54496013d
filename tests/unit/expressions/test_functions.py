"""Mistral's expression functions, in YAQL and in Jinja, through DictLookup."""

import json
import uuid

import pytest
import yaml

from mistral_resume import exceptions as exc
from mistral_resume.expressions import base
from mistral_resume.expressions import functions
from mistral_resume.expressions import jinja_eval
from mistral_resume.expressions import yaql_eval

WF_EX = {
    "id": "wf-1",
    "name": "my_wf",
    "input": {"x": 1},
    "params": {"env": {"k": "v"}},
    "state": "RUNNING",
    "created_at": "2024-01-02 10:00:00",
    "root_execution_id": None,
}
SUB_EX = {
    "id": "wf-2",
    "name": "sub_wf",
    "task_execution_id": "t-sub",
    "root_execution_id": "wf-1",
    "state": "ERROR",
    "created_at": "2024-01-02 11:00:00",
}


def _task(id, name, state="SUCCESS", type="ACTION", wf="wf-1", result=None):
    return {"id": id, "name": name, "state": state, "type": type,
            "workflow_execution_id": wf, "result": result,
            "published": {}, "state_info": None, "spec": {"name": name}}


TASKS = [
    _task("t-1", "t1", result={"out": [1, 2]}),
    _task("t-2", "t2", state="ERROR", result="boom"),
    # A loop ran t1 again: the newest one wins.
    _task("t-3", "t1", result={"out": [3]}),
    # A sub-workflow task in ERROR, whose child also ended in ERROR.
    _task("t-sub", "sub", state="ERROR", type="WORKFLOW"),
    _task("t-4", "inner", state="ERROR", wf="wf-2", result="inner boom"),
    _task("t-5", "inner_ok", wf="wf-2"),
]


def make_lookup(**overrides):
    kwargs = {
        "execution": WF_EX,
        "env": {"k": "v", "nested": {"a": 1}},
        "tasks": TASKS,
        "global_vars": {"counter": 7},
        "current_task": "t2",
        "executions": [SUB_EX],
    }
    kwargs.update(overrides)
    return functions.DictLookup(**kwargs)


DATA = {"doc": {"a": [1, {"b": None}], "s": "text"}, "name": "t1"}


@pytest.mark.parametrize("text, expected", [
    ("<% env().k %>", "v"),
    ("{{ env().k }}", "v"),
    ("<% env().nested %>", {"a": 1}),
    ("{{ env().nested.a }}", 1),
    ("<% execution().id %>", "wf-1"),
    ("{{ execution().id }}", "wf-1"),
    ("<% execution().input.x %>", 1),
    ("{{ execution().name }}", "my_wf"),
    ("<% global(counter) %>", 7),
    ("{{ global('counter') }}", 7),
    ("<% global(missing) %>", None),
    ("{{ global('missing') }}", None),
    # task(name): the newest task execution of that name.
    ("<% task(t1).id %>", "t-3"),
    ("{{ task('t1').id }}", "t-3"),
    ("<% task(t1).result.out %>", [3]),
    ("{{ task('t1').result.out }}", [3]),
    ("<% task($.name).id %>", "t-3"),
    ("{{ task(_.name).id }}", "t-3"),
    ("<% task(taskName => t2).state %>", "ERROR"),
    ("{{ task(task_name='t2').state }}", "ERROR"),
    # task() without a name: the current task.
    ("<% task().name %>", "t2"),
    ("{{ task().name }}", "t2"),
    ("<% task().result %>", "boom"),
    ("{{ task().result }}", "boom"),
    ("<% task(nope) %>", None),
    ("{{ task('nope') }}", None),
    # Only this execution's tasks count for task(name).
    ("<% task(inner) %>", None),
    ("t1 gave <% task(t1).result.out %>", "t1 gave [3]"),
    ("t1 gave {{ task('t1').result.out }}", "t1 gave [3]"),
])
def test_lookup_functions(text, expected):
    assert base.evaluate(text, DATA, make_lookup()) == expected


def _ids(tasks):
    return [t["id"] for t in tasks]


@pytest.mark.parametrize("text, expected", [
    ("<% tasks() %>", ["t-1", "t-2", "t-3", "t-sub", "t-4", "t-5"]),
    ("{{ tasks() }}", ["t-1", "t-2", "t-3", "t-sub", "t-4", "t-5"]),
    ("<% tasks(execution().id) %>", ["t-1", "t-2", "t-3", "t-sub"]),
    ("{{ tasks(execution().id) }}", ["t-1", "t-2", "t-3", "t-sub"]),
    ("<% tasks(null, false, ERROR) %>", ["t-2", "t-sub", "t-4"]),
    ("{{ tasks(None, false, 'ERROR') }}", ["t-2", "t-sub", "t-4"]),
    ("<% tasks(state => ERROR) %>", ["t-2", "t-sub", "t-4"]),
    ("{{ tasks(state='ERROR') }}", ["t-2", "t-sub", "t-4"]),
    ("<% tasks('wf-2') %>", ["t-4", "t-5"]),
    ("<% tasks(workflowExecutionId => 'wf-2') %>", ["t-4", "t-5"]),
    ("{{ tasks(workflow_execution_id='wf-2') }}", ["t-4", "t-5"]),
    ("<% tasks(execution().id, true) %>",
     ["t-1", "t-2", "t-3", "t-sub", "t-4", "t-5"]),
    ("{{ tasks(execution().id, recursive=true, state='ERROR') }}",
     ["t-2", "t-sub", "t-4"]),
    # flat drops a workflow task whose sub-workflow ended in its own state.
    ("<% tasks(execution().id, true, ERROR, true) %>", ["t-2", "t-4"]),
    ("{{ tasks(execution().id, true, 'ERROR', true) }}", ["t-2", "t-4"]),
])
def test_tasks(text, expected):
    result = base.evaluate(text, DATA, make_lookup())
    assert _ids(result) == expected


def test_tasks_gives_mistral_task_dicts():
    result = base.evaluate("<% tasks(state => ERROR).first() %>", DATA,
                           make_lookup())
    assert result == TASKS[1]


@pytest.mark.parametrize("text, expected", [
    ("<% executions() %>", ["wf-1", "wf-2"]),
    ("{{ executions() }}", ["wf-1", "wf-2"]),
    ("<% executions(state => ERROR) %>", ["wf-2"]),
    ("{{ executions(root_execution_id='wf-1') }}", ["wf-2"]),
    ("<% executions(rootExecutionId => 'wf-1') %>", ["wf-2"]),
    ("<% executions('wf-1') %>", ["wf-1"]),
    ("{{ executions(to_time='2024-01-02 10:30:00') }}", ["wf-1"]),
    ("{{ executions(from_time='2024-01-02 10:30:00') }}", ["wf-2"]),
])
def test_executions(text, expected):
    assert _ids(base.evaluate(text, DATA, make_lookup())) == expected


@pytest.mark.parametrize("text", [
    "<% json_parse(json_dump($.doc)) %>",
    "{{ json_parse(json_dump(_.doc)) }}",
    "{{ _.doc | json_dump | json_parse }}",
    "<% yaml_parse(yaml_dump($.doc)) %>",
    "{{ yaml_parse(yaml_dump(_.doc)) }}",
    "{{ _.doc | yaml_dump | yaml_parse }}",
    "<% json_parse(json_pp($.doc)) %>",
    "{{ _.doc | json_pp | json_parse }}",
])
def test_json_and_yaml_round_trips(text):
    assert base.evaluate(text, DATA) == DATA["doc"]


@pytest.mark.parametrize("text, expected", [
    ("<% json_dump($.doc.a) %>", '[\n    1,\n    {\n        "b": null\n'
                                 '    }\n]'),
    ("{{ json_dump(_.doc.a) }}", '[\n    1,\n    {\n        "b": null\n'
                                 '    }\n]'),
    ("<% yaml_dump($.doc) %>", "a:\n- 1\n- b: null\ns: text\n"),
    ("{{ yaml_dump(_.doc) }}", "a:\n- 1\n- b: null\ns: text\n"),
    ("<% json_parse('{\"k\": [1, true, null]}') %>", {"k": [1, True, None]}),
    ("{{ json_parse('{\"k\": [1, true, null]}') }}", {"k": [1, True, None]}),
    ("<% yaml_parse('k: [1, yes]') %>", {"k": [1, True]}),
    ("{{ yaml_parse('k: [1, yes]') }}", {"k": [1, True]}),
])
def test_serialization_functions(text, expected):
    assert base.evaluate(text, DATA) == expected


@pytest.mark.parametrize("text", ["<% json_pp($.lines) %>",
                                  "{{ json_pp(_.lines) }}",
                                  "{{ _.lines | json_pp }}"])
def test_json_pp_writes_real_line_breaks(text):
    assert base.evaluate(text, {"lines": "a\nb"}) == '"a\nb"'
    # json_dump keeps JSON's escape.
    assert base.evaluate("<% json_dump($.lines) %>",
                         {"lines": "a\nb"}) == '"a\\nb"'


@pytest.mark.parametrize("text", ["<% json_pp() %>", "{{ json_pp() }}"])
def test_json_pp_without_argument_dumps_the_data_context(text):
    assert json.loads(base.evaluate(text, DATA)) == DATA


@pytest.mark.parametrize("text", ["<% uuid() %>", "{{ uuid() }}"])
def test_uuid(text):
    first = base.evaluate(text, DATA)
    second = base.evaluate(text, DATA)
    assert str(uuid.UUID(first)) == first
    assert first != second


@pytest.mark.parametrize("text, function", [
    ("<% env() %>", "env"),
    ("{{ env() }}", "env"),
    ("<% execution().id %>", "execution"),
    ("{{ execution().id }}", "execution"),
    ("<% task(t1) %>", "task"),
    ("{{ task() }}", "task"),
    ("<% tasks() %>", "tasks"),
    ("{{ tasks() }}", "tasks"),
    ("<% executions() %>", "executions"),
    ("<% global(x) %>", "global"),
    ("{{ global('x') }}", "global"),
])
@pytest.mark.parametrize("lookup", [None, functions.Lookup()])
def test_functions_without_a_lookup_are_not_available(text, function, lookup):
    with pytest.raises(exc.ExpressionError) as raised:
        base.evaluate(text, DATA, lookup)
    assert ("Function '%s' is not available here" % function
            in str(raised.value))
    assert "Can not evaluate" in str(raised.value)


def test_pure_functions_need_no_lookup():
    assert base.evaluate("<% json_parse('[1]') %>", {}) == [1]
    assert base.evaluate("{{ yaml_dump([1]) }}", {}) == "- 1\n"


def test_dict_lookup_without_execution():
    lookup = functions.DictLookup(tasks=[_task("a", "t1")])
    assert base.evaluate("<% task(t1).id %>", {}, lookup) == "a"
    assert base.evaluate("<% task() %>", {}, lookup) is None
    assert base.evaluate("{{ env() }}", {}, lookup) == {}
    with pytest.raises(exc.ExpressionError, match="'execution' is not"):
        base.evaluate("<% execution() %>", {}, lookup)


def test_dict_lookup_returns_copies():
    lookup = make_lookup()
    lookup.task("t1")["result"]["out"].append(99)
    lookup.env()["k"] = "changed"
    assert lookup.task("t1")["result"] == {"out": [3]}
    assert lookup.env()["k"] == "v"


class _FailingLookup(functions.Lookup):
    """An engine lookup whose database went away."""

    def task(self, name=None):
        raise ConnectionError("database is gone")

    def env(self):
        raise exc.ExpressionError("refused by the lookup")


@pytest.mark.parametrize("text", [
    "<% task(t1) %>",
    "x <% task(t1) %>",
    "<% [1].select(task(t1)) %>",
    "{{ task('t1') }}",
    "x {{ task('t1') }}",
])
def test_engine_errors_from_the_lookup_propagate_unwrapped(text):
    with pytest.raises(ConnectionError, match="database is gone"):
        base.evaluate(text, {}, _FailingLookup())


@pytest.mark.parametrize("text", ["<% env() %>", "{{ env() }}"])
def test_expression_errors_from_the_lookup_are_reported(text):
    with pytest.raises(exc.ExpressionError,
                       match=r"Can not evaluate .*refused by the lookup"):
        base.evaluate(text, {}, _FailingLookup())


@pytest.mark.parametrize("text, expected", [
    ("<% json_dump() %>", "No function \"json_dump\" matches"),
    ("<% task(a, b) %>", "No function \"task\" matches"),
    ("{{ json_dump() }}", "missing 1 required positional argument"),
    ("{{ json_parse('{') }}", "error="),
    ("<% yaml_parse('a: [') %>", "error="),
    ("<% $.doc.json_dump() %>", "error="),
    # yaql reads an unquoted wf-2 as a subtraction.
    ("<% tasks(wf-2) %>", "[expression=tasks(wf-2), error="),
])
def test_bad_calls(text, expected):
    with pytest.raises(exc.ExpressionError) as raised:
        base.evaluate(text, DATA, make_lookup())
    assert expected in str(raised.value)


def test_both_languages_offer_the_same_functions():
    names = set(functions.FUNCTIONS)
    assert names == {"env", "execution", "executions", "global", "json_dump",
                     "json_parse", "json_pp", "task", "tasks", "uuid",
                     "yaml_dump", "yaml_parse"}
    assert set(yaql_eval.YAQL_FUNCTIONS) == names
    assert names <= set(jinja_eval._environment.globals)
    assert set(functions.DATA_FILTERS) <= set(jinja_eval._environment.filters)


@pytest.mark.parametrize("value, expected", [
    ({"a": (1, 2)}, {"a": [1, 2]}),
    (frozenset([1]), [1]),
    ((x for x in (1, 2)), [1, 2]),
    ({"k": 1}.items(), [["k", 1]]),
    ("text", "text"),
    (None, None),
])
def test_to_plain(value, expected):
    assert functions.to_plain(value) == expected


def test_yaml_dump_is_safe_yaml():
    dumped = base.evaluate("<% yaml_dump(dict(a => set(1))) %>", {})
    assert yaml.safe_load(dumped) == {"a": [1]}
