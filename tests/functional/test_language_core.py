"""The core of Mistral Workflow Language v2, scenarios as data.

Each scenario is a workflow, its input, and what Mistral 23 ends with: the
execution's state (and a fragment of its ``state_info``), each task's states
in creation order, what each task published (its newest execution), task
results, the execution's output (exactly, or ``output_has`` for a subset)
and the number of action executions. The expectations follow Mistral's
documentation (``doc/source/user/wf_lang_v2.rst``) and its engine tests
(``mistral/tests/unit/engine/test_direct_workflow.py``, ``test_dataflow``,
``test_task_defaults``, ``test_commands``, ``test_yaql_functions``).
"""
import pytest

from mistral_resume.workflow import statuses as st

S, E = st.SUCCESS, st.ERROR

SCENARIOS = {
    # Input defaults fill what the caller leaves out; the execution's input
    # shows them.
    "input_defaults": {
        "yaml": """
        wf:
          input:
            - name
            - greeting: Hello
            - punctuation: "!"
          output:
            text: <% $.greeting %>, <% $.name %><% $.punctuation %>
          tasks:
            t1:
              action: std.noop
        """,
        "input": {"name": "Mistral", "punctuation": "?"},
        "state": S, "tasks": {"t1": [S]},
        "output": {"text": "Hello, Mistral?"},
        "ex_input": {"name": "Mistral", "greeting": "Hello",
                     "punctuation": "?"},
        "actions": 1,
    },
    # vars are evaluated once at start, against the input, and are data
    # for every task (YAQL and Jinja alike).
    "vars": {
        "yaml": """
        wf:
          input:
            - a
          vars:
            doubled: <% $.a * 2 %>
            label: "{{ _.a }}-label"
          output:
            doubled: <% $.doubled %>
            label: <% $.label %>
            plus: <% $.plus %>
          tasks:
            t1:
              action: std.echo output=<% $.doubled + 1 %>
              publish:
                plus: <% task().result %>
        """,
        "input": {"a": 21},
        "state": S, "tasks": {"t1": [S]},
        "published": {"t1": {"plus": 43}},
        "output": {"doubled": 42, "label": "21-label", "plus": 43},
        "actions": 1,
    },
    # output-on-error is evaluated on failure and merged with Mistral's
    # {"result": <state_info>}; output is not.
    "output_on_error": {
        "yaml": """
        wf:
          output:
            never: <% $.missing_on_purpose %>
          output-on-error:
            reason: failed
            got: <% $.got %>
          tasks:
            t1:
              action: std.echo output=partial
              publish:
                got: <% task().result %>
              on-success: t2
            t2:
              action: std.fail
        """,
        "state": E, "state_info": "Failure caused by error in tasks: t2",
        "tasks": {"t1": [S], "t2": [E]},
        "output_has": {"reason": "failed", "got": "partial"},
        "output_result_is_state_info": True,
        "actions": 2,
    },
    # task-defaults' on-error applies to every task without its own
    # on-error (never to the handler itself); a task's own clause wins.
    "task_defaults": {
        "yaml": """
        wf:
          task-defaults:
            on-error:
              - handler
          tasks:
            t1:
              action: std.noop
              on-success: t2
            t2:
              action: std.fail
            t3:
              action: std.fail
              on-error: own_handler
            handler:
              action: std.echo output=handled
              publish:
                h: <% task().result %>
            own_handler:
              action: std.noop
        """,
        "state": S,
        "tasks": {"t1": [S], "t2": [E], "t3": [E], "handler": [S],
                  "own_handler": [S]},
        "published": {"handler": {"h": "handled"}},
        "actions": 5,
    },
    # Inline parameters take expressions, typed as YAQL evaluates them.
    "inline_params_with_expressions": {
        "yaml": """
        wf:
          input:
            - n
            - v
          tasks:
            dict:
              action: std.test_dict size=<% $.n %> key_prefix=k val=<% $.v %>
              publish:
                d: <% task().result %>
            echo:
              action: std.echo output="<% $.n %> items of <% $.v %>"
              publish:
                e: <% task().result %>
        """,
        "input": {"n": 2, "v": "x"},
        "state": S, "tasks": {"dict": [S], "echo": [S]},
        "published": {"dict": {"d": {"k0": "x", "k1": "x"}},
                      "echo": {"e": "2 items of x"}},
        "actions": 2,
    },
    # publish with YAQL and with Jinja, both seeing task().result and the
    # data published before.
    "publish_yaql_and_jinja": {
        "yaml": """
        wf:
          tasks:
            t1:
              action: std.echo
              input:
                output:
                  name: mistral
                  tags: [a, b, c]
              publish:
                upper_yaql: <% task().result.name.toUpper() %>
                count_yaql: <% task().result.tags.len() %>
                upper_jinja: "{{ task().result.name | upper }}"
                joined_jinja: "{{ task().result.tags | join('-') }}"
                nested:
                  first: <% task().result.tags[0] %>
                  last: "{{ task().result.tags[-1] }}"
              on-success: t2
            t2:
              action: std.echo output=<% $.upper_yaql + ':' + $.joined_jinja %>
              publish:
                combined: <% task().result %>
                seen_in_jinja: "{{ _.nested.first }}{{ _.nested.last }}"
        """,
        "state": S, "tasks": {"t1": [S], "t2": [S]},
        "published": {
            "t1": {"upper_yaql": "MISTRAL", "count_yaql": 3,
                   "upper_jinja": "MISTRAL", "joined_jinja": "a-b-c",
                   "nested": {"first": "a", "last": "c"}},
            "t2": {"combined": "MISTRAL:a-b-c", "seen_in_jinja": "ac"}},
        "actions": 2,
    },
    # publish-on-error publishes from the error result; publish does not
    # run for a failed task.
    "publish_on_error": {
        "yaml": """
        wf:
          tasks:
            t1:
              action: std.fail
              input:
                error_data:
                  code: 42
                  reason: broken
              publish:
                never: true
              publish-on-error:
                code: <% task().result.code %>
                why: "{{ task().result.reason }}"
              on-error: t2
            t2:
              action: std.echo output=<% $.code %>
              publish:
                seen: <% task().result %>
        """,
        "state": S, "tasks": {"t1": [E], "t2": [S]},
        "published": {"t1": {"code": 42, "why": "broken"}, "t2": {"seen": 42}},
        "results": {"t1": {"code": 42, "reason": "broken"}},
        "actions": 2,
    },
    # keep-result: false publishes from the result, then drops it: the
    # task's result and task(NAME).result later are null.
    "keep_result_false": {
        "yaml": """
        wf:
          tasks:
            t1:
              action: std.echo output=big
              keep-result: false
              publish:
                kept: <% task().result %>
              on-success: t2
            t2:
              action: std.echo output=<% task(t1).result %>
        """,
        "state": S, "tasks": {"t1": [S], "t2": [S]},
        "published": {"t1": {"kept": "big"}},
        "results": {"t1": None, "t2": None},
        "output": {"kept": "big"},
        "actions": 2,
    },
    # Conditions on on-success / on-error / on-complete, in YAQL and Jinja.
    "conditional_transitions": {
        "yaml": """
        wf:
          input:
            - n
          tasks:
            check:
              action: std.echo output=<% $.n %>
              on-success:
                - big: <% task().result > 10 %>
                - small: "{{ task().result <= 10 }}"
              on-complete:
                - always
                - never: <% false %>
            failing:
              action: std.fail error_data=transient
              on-error:
                - retryable: <% task().result = 'transient' %>
                - fatal: <% task().result != 'transient' %>
            big:
              action: std.noop
            small:
              action: std.noop
            always:
              action: std.noop
            never:
              action: std.noop
            retryable:
              action: std.noop
            fatal:
              action: std.noop
        """,
        "input": {"n": 3},
        "state": S,
        "tasks": {"check": [S], "failing": [E], "small": [S], "always": [S],
                  "retryable": [S]},
        "actions": 5,
    },
    # fail with a message built from expressions; the commands after it
    # do not run.
    "fail_command_with_msg": {
        "yaml": """
        wf:
          input:
            - m
          tasks:
            t1:
              action: std.echo output=7
              publish:
                n: <% task().result %>
              on-success:
                - 'fail(msg="<% $.n %> is over <% $.m %>")': <% $.n > $.m %>
                - t2
            t2:
              action: std.noop
        """,
        "input": {"m": 5},
        "state": E, "state_info": "7 is over 5", "tasks": {"t1": [S]},
        "output_has": {"result": "7 is over 5"},
        "actions": 1,
    },
    "fail_command_not_taken": {
        "yaml": """
        wf:
          input:
            - m
          tasks:
            t1:
              action: std.echo output=7
              publish:
                n: <% task().result %>
              on-success:
                - 'fail(msg="<% $.n %> is over <% $.m %>")': <% $.n > $.m %>
                - t2
            t2:
              action: std.noop
        """,
        "input": {"m": 10},
        "state": S, "tasks": {"t1": [S], "t2": [S]},
        "actions": 2,
    },
    # succeed ends the workflow in SUCCESS even after an error.
    "succeed_command": {
        "yaml": """
        wf:
          tasks:
            t1:
              action: std.fail
              on-error:
                - succeed
                - t2
            t2:
              action: std.noop
        """,
        "state": S, "tasks": {"t1": [E]}, "actions": 1,
    },
    # pause with a message: the execution stops PAUSED, saying why.
    "pause_command_with_msg": {
        "yaml": """
        wf:
          input:
            - who
          tasks:
            t1:
              action: std.noop
              on-success:
                - pause msg="waiting for <% $.who %>"
                - t2
            t2:
              action: std.noop
        """,
        "input": {"who": "ops"},
        "state": st.PAUSED, "state_info": "waiting for ops",
        "tasks": {"t1": [S]},
        "actions": 1,
    },
    # json_parse / json_dump / yaml_dump / yaml_parse inside a workflow.
    "json_and_yaml_functions": {
        "yaml": """
        wf:
          input:
            - raw: '{"a": 1, "b": [1, 2]}'
            - doc:
                k: v
          tasks:
            t1:
              action: std.echo output=<% json_parse($.raw) %>
              publish:
                parsed: <% task().result %>
                b_len: <% json_parse($.raw).b.len() %>
                as_yaml: <% yaml_dump($.doc) %>
                as_json: "{{ json_dump(_.doc) }}"
                round_trip: <% yaml_parse(yaml_dump($.doc)) %>
        """,
        "state": S, "tasks": {"t1": [S]},
        "published": {"t1": {"parsed": {"a": 1, "b": [1, 2]}, "b_len": 2,
                             "as_yaml": "k: v\n",
                             # Mistral's json_dump indents by 4.
                             "as_json": '{\n    "k": "v"\n}',
                             "round_trip": {"k": "v"}}},
        "actions": 1,
    },
    # A task that runs again (a cycle; it still needs a start task without
    # inbound transitions, as in Mistral): task(NAME) is its newest
    # execution, and so is what the next one sees.
    "task_name_is_the_newest_execution": {
        "yaml": """
        wf:
          vars:
            count: 0
          output:
            count: <% $.count %>
            last: <% $.last %>
          tasks:
            init:
              action: std.noop
              on-success: step
            step:
              action: std.echo output=<% $.count + 1 %>
              publish:
                count: <% task().result %>
              on-success:
                - step: <% $.count < 3 %>
                - report: <% $.count >= 3 %>
            report:
              action: std.echo output=<% task(step).result %>
              publish:
                last: <% task().result %>
                step_state: "{{ task('step').state }}"
        """,
        "state": S, "tasks": {"init": [S], "step": [S, S, S], "report": [S]},
        "published": {"step": {"count": 3},
                      "report": {"last": 3, "step_state": S}},
        "output": {"count": 3, "last": 3},
        "actions": 5,
    },
}


def _yaml(text):
    lines = text.strip("\n").splitlines()
    indent = min(len(x) - len(x.lstrip()) for x in lines if x.strip())
    return "version: '2.0'\n" + "\n".join(x[indent:] for x in lines) + "\n"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(stack, name):
    sc = SCENARIOS[name]
    final = (sc["state"],) if sc["state"] == st.PAUSED else st.COMPLETED
    wf_ex = stack.run(_yaml(sc["yaml"]), wf_input=sc.get("input"),
                      states=final)
    assert wf_ex.state == sc["state"], wf_ex.state_info
    if "state_info" in sc:
        assert sc["state_info"] in (wf_ex.state_info or "")
    assert stack.task_states(wf_ex.id) == sc["tasks"]
    tasks = stack.tasks(wf_ex.id)
    for task_name, published in sc.get("published", {}).items():
        assert tasks[task_name][-1].published == published, task_name
    for task_name, result in sc.get("results", {}).items():
        assert tasks[task_name][-1].result == result, task_name
    if "output" in sc:
        assert wf_ex.output == sc["output"]
    for key, value in sc.get("output_has", {}).items():
        assert wf_ex.output[key] == value, key
    if sc.get("output_result_is_state_info"):
        assert wf_ex.output["result"] == wf_ex.state_info
    if "ex_input" in sc:
        assert wf_ex.input == sc["ex_input"]
    actions = [a for rows in tasks.values() for t in rows
               for a in stack.actions(t.id)]
    assert len(actions) == sc["actions"]


def test_paused_by_command_resumes_to_the_rest(stack):
    sc = SCENARIOS["pause_command_with_msg"]
    wf_ex = stack.run(_yaml(sc["yaml"]), wf_input=sc["input"],
                      states=(st.PAUSED,))
    stack.engine.update_execution(stack.ctx, wf_ex.id, state=st.RUNNING)
    wf_ex = stack.wait_for(wf_ex.id)
    assert wf_ex.state == S
    assert stack.task_states(wf_ex.id) == {"t1": [S], "t2": [S]}
