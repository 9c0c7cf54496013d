"""Hostile expressions: sandbox escapes, memory and CPU bombs.

Each expression is evaluated in a child process under RLIMIT_AS (1 GiB)
and RLIMIT_CPU, with a 1 s evaluation time limit, so that one the engine
fails to stop ends the child, not the machine. The child reports, per
expression, the refusal (an ``ExpressionError``) or the value; a crash or
a kill shows as the expression it was evaluating when it died. After all
of them the child still evaluates an ordinary expression.

How each class is stopped (see ``mistral_resume/expressions``):

- attribute escapes: Jinja's sandbox (``_`` attributes, ``|attr``,
  ``str.format`` fields); YAQL has no attribute syntax nor ``format``;
- sizes: yaql's iterator limit and memory quota; ``checks`` before
  ``*``, ``**``, ``+``, ``%``, string methods and amplifying filters,
  ``str.format`` widths, list growth, ``~`` and the rendered text;
- integers over 4300 digits (``pow``, ``**``, ``<<``, ``*``);
- regex patterns that backtrack exponentially; YAML alias bombs;
- everything else that loops: the time limit (``watchdog``).
"""
import json
import subprocess
import sys

import pytest

from mistral_resume import context
from mistral_resume.expressions import base as expr
from mistral_resume.workflow import statuses as st

MEMORY = 1 << 30
CPU_SECONDS = 240
TIME_LIMIT = 1.0

UNSAFE = "is unsafe"
TOO_LONG = "Collection length exceeds 100000 elements"
TOO_BIG = "Expression consumed too much memory"
NUMBER = "Number too large"
TIMEOUT = "it used more than 1.0 seconds of CPU time"
REGEX = "repeats a repetition or an alternation"
YAML_BOMB = "YAML aliases expand the document beyond 100000 nodes"

# "a: &a [1,1,...]\nb: &b [*a,*a,...]..." nine levels of nine aliases.
_LEVELS = "abcdefghi"
BOMB = "\\n".join(
    ["a: &a [%s]" % ",".join(["1"] * 9)]
    + ["%s: &%s [%s]" % (n, n, ",".join(["*" + p] * 9))
       for p, n in zip(_LEVELS, _LEVELS[1:], strict=False)])

# (text, expected): expected is a text the refusal must hold, or
# ("value", repr) for an expression that is harmless and gives this value.
CASES = [
    # Jinja: attribute escapes, refused by the sandbox.
    ("{{ ''.__class__ }}", UNSAFE),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", UNSAFE),
    ("{{ ''.__class__.__base__.__subclasses__() }}", UNSAFE),
    ("{{ _.__class__.__init__.__globals__ }}", UNSAFE),
    ("{{ (1).__class__ }}", UNSAFE),
    ("{{ _ | attr('__class__') }}", UNSAFE),
    ("{{ _ | attr('__class__') | attr('__mro__') }}", "Undefined"),
    ("{% set c = '' | attr('__class__') %}{{ c }}", UNSAFE),
    ("{{ task.__globals__ }}", UNSAFE),
    ("{{ env.__closure__ }}", UNSAFE),
    ("{{ cycler.__init__.__globals__ }}", UNSAFE),
    ("{{ joiner.__init__.__globals__.os }}", UNSAFE),
    ("{{ namespace.__init__.__globals__ }}", UNSAFE),
    ("{{ lipsum.__globals__['os'] }}", UNSAFE),
    ("{{ range.__code__ }}", UNSAFE),
    ("{{ self.__init__.__globals__ }}", UNSAFE),
    ("{{ '%s'.__mod__ }}", UNSAFE),
    ("{{ _.keys.__self__ }}", UNSAFE),
    # Format-string field tricks: the sandboxed formatter checks fields.
    ("{{ '{0.__class__}'.format(_) }}", UNSAFE),
    ("{{ '{0.__class__.__init__.__globals__}'.format(task) }}", UNSAFE),
    ("{{ '{x.__class__}'.format_map({'x': 1}) }}", UNSAFE),
    ("{{ '{0.__globals__[os]}'.format(env) }}", UNSAFE),
    # Data the expression must not reach.
    ("{{ _['mistral-resume scope'] }}", "mistral-resume scope"),
    ("{{ _['__class__'] }}", "__class__"),
    # Jinja: memory bombs, refused before they allocate.
    ("{{ [0] * 10**9 }}", TOO_LONG),
    ("{{ 'a' * 10**10 }}", TOO_BIG),
    ("{{ 10 ** (10 ** 9) }}", NUMBER),
    ("{{ 10 ** 5000 }}", NUMBER),
    ("{{ range(10**12) | list }}", "Range too big"),
    ("{{ [[0] * 100000] * 100000 }}", TOO_BIG),
    ("{{ ('a' * 20000000) + ('a' * 20000000) }}", TOO_BIG),
    ("{{ ''.ljust(10**10) }}", TOO_BIG),
    ("{{ ('\t' * 1000).expandtabs(10**8) }}", TOO_BIG),
    ("{{ ('a' * 30000000).replace('a', 'aaaaaaaaaa') }}", TOO_BIG),
    ("{{ ('a' * 30000000) | replace('a', 'aaaaaaaaaa') }}", TOO_BIG),
    ("{{ 'a' | center(10**10) }}", TOO_BIG),
    ("{{ ('x' * 1000) | indent(10**9) }}", TOO_BIG),
    ("{{ _ | tojson(indent=10**8) }}", TOO_BIG),
    ("{{ '{:>1000000000}'.format(1) }}", TOO_BIG),
    ("{{ '{:>{w}}'.format(1, w=10**9) }}", TOO_BIG),
    ("{{ '%01000000000d' % 1 }}", TOO_BIG),
    ("{{ '%.1000000000f' % 1.0 }}", TOO_BIG),
    ("{{ '%01000000000d' | format(1) }}", TOO_BIG),
    ("{% set s = 'a' * 10000000 %}{{ ([s] * 100) | join }}", TOO_BIG),
    ("{% set s = 'a' * 10000000 %}{{ ','.join([s] * 100) }}", TOO_BIG),
    ("{{ ([[0] * 100000] * 1000) | sum(start=[]) }}", TOO_BIG),
    ("{% set s = 'a' * 30000000 %}{{ s~s~s~s~s~s~s~s~s~s }}", TOO_BIG),
    ("{% set s = 'a' * 30000000 %}"
     "{% for i in range(100) %}{{ s }}{% endfor %}", TOO_BIG),
    ("{% set s = 'a' * 30000000 %}{% set x %}{% for i in range(100) %}"
     "{{ s }}{% endfor %}{% endset %}{{ x | length }}", TOO_BIG),
    ("{% set s = 'a' * 30000000 %}{% macro m() %}{% for i in range(100) %}"
     "{{ s }}{% endfor %}{% endmacro %}{{ m() | length }}", TOO_BIG),
    ("{% set x = [1] %}{% for i in range(40) %}{{ x.extend(x) }}"
     "{% endfor %}", TOO_LONG),
    ("{% set l = ['a' * 1000000] %}{% set x = [] %}"
     "{% for i in range(1000) %}{{ x.append(l) }}{% endfor %}", TOO_BIG),
    ("{% set ns = namespace(x=10**4000) %}{% for i in range(30) %}"
     "{% set ns.x = ns.x * ns.x %}{% endfor %}", NUMBER),
    ("{{ lipsum(1000000) }}", TOO_LONG),
    ("{% set l = [0] * 100000 %}{{ json_dump([l] * 50) }}", TOO_BIG),
    ("{{ yaml_parse('" + BOMB + "') }}", YAML_BOMB),
    ("{{ json_parse('[' * 100000 + ']' * 100000) }}", "recursion"),
    # Jinja: CPU bombs, stopped by the time limit.
    ("{% for i in range(100000) %}{% for j in range(100000) %}"
     "{% endfor %}{% endfor %}", TIMEOUT),
    ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "recursion"),
    # YAQL: no attribute syntax, no format().
    ("<% $.__class__ %>", "Lexical error"),
    ("<% $.keys().__class__ %>", "Lexical error"),
    ("<% '{0.__class__}'.format($) %>", 'No method "format"'),
    ("<% format('{0.__class__}', $) %>", 'Unknown function "format"'),
    ("<% getattr($, '__class__') %>", 'Unknown function "getattr"'),
    ("<% $.get('__class__') %>", ("value", "None")),
    ("<% $mistral %>", ("value", "None")),
    # YAQL: sequence explosions and memory bombs.
    ("<% range(0, 100000000) %>", TOO_LONG),
    ("<% len(range(0, 1000000000000).toList()) %>", TOO_LONG),
    ("<% 'a' * 10000000000 %>", TOO_BIG),
    ("<% pow(10, 10000000000) %>", NUMBER),
    ("<% shiftBitsLeft(1, 10000000000) %>", NUMBER),
    ("<% range(0, 40).reduce($1 * $1, 10) %>", NUMBER),
    ("<% ('a' * 1000000).replace('a', 'aaaaaaaaaa')"
     ".replace('a', 'aaaaaaaaaa') %>", TOO_BIG),
    ("<% range(0, 100).select('a' * 1000000).join('') %>", TOO_BIG),
    ("<% ''.join(range(0, 100).select('a' * 1000000)) %>", TOO_BIG),
    ("<% yaml_parse('" + BOMB + "') %>", YAML_BOMB),
    ("<% yaml_parse('a: &a [*a]') %>", YAML_BOMB),
    ("<% json_parse('[' * 100000 + ']' * 100000) %>", "recursion"),
    # YAQL: regular expressions that backtrack exponentially.
    ("<% ('a' * 40 + '!') =~ '(a+)+$' %>", REGEX),
    ("<% ('a' * 40 + '!') !~ '(a*)*$' %>", REGEX),
    ("<% regex('(a|aa)*$').matches('a' * 40 + '!') %>", REGEX),
    ("<% ('a' * 40 + '!').matches('(\\\\w+\\\\s?)+$') %>", REGEX),
    # YAQL: CPU bombs, stopped by the time limit.
    ("<% range(0, 100000).select(range(0, 100000).len()).sum() %>",
     TIMEOUT),
    ("<% sequence().len() %>", TIMEOUT),
    ("<% let(l => range(0, 100000).toList()) -> "
     "range(0, 100000).select($l.sum()).sum() %>", TIMEOUT),
]

# What must still work: the same functions, used as intended.
ORDINARY = [
    ("{{ '{:>5}'.format(1) }}", ("value", "'    1'")),
    ("{{ '%05d' % 3 }}", ("value", "'00003'")),
    ("{{ 'abc' | replace('b', 'x') | center(5) }}", ("value", "' axc '")),
    ("{{ [1, 2] | join(',') }}", ("value", "'1,2'")),
    ("{{ 2 ** 64 }}", ("value", repr(2 ** 64))),
    ("<% pow(2, 10) + shiftBitsLeft(1, 3) %>", ("value", "1032")),
    ("<% 'abc' =~ '^a(b|c)+$' %>", ("value", "True")),
    ("<% yaml_parse('a: &x [1]\\nb: *x') %>",
     ("value", "{'a': [1], 'b': [1]}")),
    ("<% ['a', 'b'].join('-') %>", ("value", "'a-b'")),
]

CHILD = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (%(memory)d, %(memory)d))
resource.setrlimit(resource.RLIMIT_CPU, (%(cpu)d, %(cpu)d))
from mistral_resume import exceptions as exc
from mistral_resume.expressions import base, functions
base.configure(time_limit=%(time_limit)r)
data = {"a": 1, "items": [1, 2, 3]}
lookup = functions.DictLookup(env={"password": "secret"},
                              execution={"id": "e1"})
for text in json.load(sys.stdin):
    print(json.dumps({"start": text}), flush=True)
    try:
        out = {"value": repr(base.evaluate(text, data, lookup))[:300]}
    except exc.ExpressionError as e:
        out = {"refused": str(e)}
    except BaseException as e:
        out = {"crashed": "%%s: %%s" %% (type(e).__name__, e)}
    out["text"] = text
    print(json.dumps(out), flush=True)
print(json.dumps({"after": base.evaluate("<%% $.a + 1 %%>", data)}),
      flush=True)
""" % {"memory": MEMORY, "cpu": CPU_SECONDS, "time_limit": TIME_LIMIT}


def _run_child(texts):
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], input=json.dumps(texts),
        capture_output=True, text=True, timeout=CPU_SECONDS + 60)
    results, after, started = {}, None, None
    for line in proc.stdout.splitlines():
        row = json.loads(line)
        if "start" in row:
            started = row["start"]
        elif "after" in row:
            after = row["after"]
        else:
            results[row["text"]] = row
            started = None
    return {"results": results, "after": after, "died_in": started,
            "returncode": proc.returncode, "stderr": proc.stderr[-2000:]}


@pytest.fixture(scope="module")
def outcome():
    return _run_child([text for text, _ in CASES + ORDINARY])


def test_there_are_at_least_50_hostile_expressions():
    assert len(CASES) >= 50
    assert len({text for text, _ in CASES}) == len(CASES)


@pytest.mark.parametrize("text, expected", CASES + ORDINARY)
def test_expression_is_refused_or_contained(outcome, text, expected):
    row = outcome["results"].get(text)
    assert row is not None, (
        "the child died (rc=%s) while evaluating %r: %s"
        % (outcome["returncode"], outcome["died_in"], outcome["stderr"]))
    assert "crashed" not in row, row["crashed"]
    if isinstance(expected, tuple):
        assert row.get("value") == expected[1], row
        return
    assert "refused" in row, "not refused, gave %r" % row.get("value")
    assert row["refused"].startswith("Can not evaluate "), row["refused"]
    assert expected in row["refused"], row["refused"]


def test_the_evaluator_still_answers_after_them(outcome):
    assert outcome["after"] == 2, outcome
    assert outcome["returncode"] == 0, outcome["stderr"]


# ------------------------------------------------------------ in the engine
# A task's hostile expression fails that task (and its workflow) with the
# refusal as the reason; the engine goes on serving other workflows.

@pytest.fixture
def short_time_limit():
    saved = expr.limits()["time_limit"]
    expr.configure(time_limit=TIME_LIMIT)
    yield
    expr.configure(time_limit=saved)


HOSTILE_TASK = """\
---
version: '2.0'
hostile:
  tasks:
    t1:
      action: std.echo
      input:
        output: %s
"""

HOSTILE_PUBLISH = """\
---
version: '2.0'
hostile_publish:
  tasks:
    t1:
      action: std.echo output=abc
      publish:
        stolen: %s
"""

ORDINARY_WORKFLOW = """\
---
version: '2.0'
ordinary:
  tasks:
    t1:
      action: std.echo output=<% 'a' * 3 %>
      publish:
        out: "{{ task().result | upper }}"
"""


@pytest.mark.parametrize("template, text, expected", [
    (HOSTILE_TASK, "{{ ''.__class__.__mro__[1].__subclasses__() }}",
     UNSAFE),
    (HOSTILE_TASK, "<% 'a' * 10000000000 %>", TOO_BIG),
    (HOSTILE_TASK, "{{ [0] * 10**9 }}", TOO_LONG),
    (HOSTILE_TASK, "<% pow(10, 10000000000) %>", NUMBER),
    (HOSTILE_TASK,
     "<% range(0, 100000).select(range(0, 100000).len()).sum() %>",
     TIMEOUT),
    (HOSTILE_TASK, "{% for i in range(100000) %}{% for j in range(100000)"
                   " %}{% endfor %}{% endfor %}", TIMEOUT),
    (HOSTILE_PUBLISH, "<% ('a' * 40 + '!') =~ '(a+)+$' %>", REGEX),
    (HOSTILE_PUBLISH, "<% yaml_parse('" + BOMB + "') %>", YAML_BOMB),
    (HOSTILE_PUBLISH, "{{ '{0.__class__.__init__.__globals__}'"
                      ".format(task) }}", UNSAFE),
])
def test_a_hostile_task_fails_alone(stack, short_time_limit, template,
                                    text, expected):
    wf_ex = stack.run(template % json.dumps(text))
    assert wf_ex.state == st.ERROR
    [t1] = stack.tasks(wf_ex.id)["t1"]
    assert t1.state == st.ERROR
    assert "Can not evaluate" in t1.state_info
    assert expected in t1.state_info, t1.state_info
    assert "t1" in wf_ex.state_info
    assert not t1.published
    # The same engine runs the next workflow as usual.
    after = stack.run(ORDINARY_WORKFLOW)
    assert after.state == st.SUCCESS
    [t1] = stack.tasks(after.id)["t1"]
    assert t1.published == {"out": "AAA"}


TARGET = """\
---
version: '2.0'
target:
  tasks:
    t1:
      action: std.echo output=secret-of-a
"""

READER = """\
---
version: '2.0'
reader:
  input:
    - target
  tasks:
    t1:
      action: std.noop
      publish:
        seen: <% tasks($.target).select($.result) %>
"""


def test_tasks_of_another_projects_execution_read_as_nothing(stack):
    """``tasks(id)`` takes any execution id: another project's reads as an
    execution that does not exist, its results stay out of reach."""
    project_a = stack.ctx
    project_b = context.RequestContext(project_id="project-b",
                                       user_id="user-b")
    stack.engine.create_workflows(project_a, TARGET)
    secret = stack.wait_for(
        stack.engine.start_workflow(project_a, "target")["id"])
    assert secret.state == st.SUCCESS
    for ctx in (project_a, project_b):
        stack.engine.create_workflows(ctx, READER)
    seen = {}
    for name, ctx in (("a", project_a), ("b", project_b)):
        ex = stack.engine.start_workflow(
            ctx, "reader", workflow_input={"target": secret.id})
        wf_ex = stack.wait_for(ex["id"])
        assert wf_ex.state == st.SUCCESS
        [t1] = stack.tasks(wf_ex.id)["t1"]
        seen[name] = t1.published["seen"]
    assert seen == {"a": ["secret-of-a"], "b": []}
