"""Refused documents: each error says what and where (workflow, task,
field, YAML line)."""
import textwrap

import pytest

from mistral_resume import exceptions
from mistral_resume.spec import parser


def wf(tasks, head=""):
    """Workflow 'wf1' (line 2); 'tasks:' is on the line after ``head``."""
    return ("version: '2.0'\nwf1:\n"
            + textwrap.indent(textwrap.dedent(head), "  ") + "  tasks:\n"
            + textwrap.indent(textwrap.dedent(tasks), "    "))


def std_only(name):
    return name.startswith("std.")


def refused(text, known_action=None):
    with pytest.raises(exceptions.DSLParsingError) as info:
        parser.parse_document(text, known_action=known_action)
    assert info.value.http_code == 400
    return str(info.value)


W = "Invalid workflow 'wf1'"
T1 = W + ", task 't1'"

ERRORS = [
    # Transitions.
    ("unknown task in a transition",
     wf("t1:\n  on-success: [t2]\nt2:\n  on-success: [t9]\n"),
     "Invalid workflow 'wf1', task 't2', field 'on-success': unknown task "
     "'t9' (line 7)"),
    ("unknown task in a conditional transition",
     wf("t1:\n  on-error:\n    - t9: <% $.x %>\n"),
     T1 + ", field 'on-error': unknown task 't9' (line 5)"),
    ("unknown task in the advanced form",
     wf("t1:\n  on-complete:\n    next: [t9]\n"),
     T1 + ", field 'on-complete': unknown task 't9'"),
    ("condition that is not an expression",
     wf("t1:\n  on-success:\n    - t1: true\n"),
     T1 + ", field 'on-success': a conditional transition is 'task: <% "
     "condition %>', got {'t1': True} (line 6)"),
    ("transition of the wrong type", wf("t1:\n  on-success: [[t1]]\n"),
     T1 + ", field 'on-success': expected a task name"),
    ("bad transition text", wf("t1:\n  on-success: ['t1 x']\n"),
     "field 'on-success': expected name=value at 'x'"),
    ("duplicate transition",
     wf("t0:\n  on-success: [t1, t1]\nt1: {action: std.noop}\n"),
     "task 't0', field 'on-success': duplicate transition 't1' (line 5)"),
    ("unknown key of the advanced form",
     wf("t1:\n  on-success:\n    next: t1\n    then: t1\n"),
     "field 'on-success': the advanced form takes 'publish' and/or 'next', "
     "not 'then'"),
    ("empty advanced form", wf("t1:\n  on-success: {}\n"),
     "field 'on-success': the advanced form takes"),
    ("unknown publish scope",
     wf("t1:\n  on-success:\n    publish:\n      local: {a: 1}\n"),
     "field 'on-success.publish.local': unknown publish scope 'local' "
     "(expected one of branch, global, atomic) (line 7)"),
    ("transitions in a reverse workflow",
     wf("t1:\n  on-success: [t1]\n", head="type: reverse\n"),
     T1 + ", field 'on-success': not allowed in a reverse workflow"),
    ("join in a reverse workflow",
     wf("t1:\n  join: all\n", head="type: reverse\n"),
     T1 + ", field 'join': not allowed in a reverse workflow"),
    ("no start task", wf("t1:\n  on-success: t2\nt2:\n  on-success: t1\n"),
     W + ", field 'tasks': no start task: every task has an inbound "
     "transition (line 3)"),
    # Joins (Mistral also refuses 'all' without inbound tasks and N with
    # fewer than N; a join with one inbound task is refused by issue).
    ("join with one inbound task",
     wf("t1:\n  on-success: [t2]\nt2:\n  join: all\n"),
     "task 't2', field 'join': join 'all' needs at least 2 inbound tasks, "
     "'t2' has 1 (t1) (line 7)"),
    ("join one with one inbound task",
     wf("t1:\n  on-success: [t2]\nt2:\n  join: one\n"),
     "join 1 needs at least 2 inbound tasks"),
    ("join 3 with two inbound tasks",
     wf("t0:\n  on-success: [t1, t2]\nt1:\n  on-success: [t3]\n"
        "t2:\n  on-success: [t3]\nt3:\n  join: 3\n"),
     "task 't3', field 'join': join 3 needs at least 3 inbound tasks, 't3' "
     "has 2 (t1, t2)"),
    ("join of a bad value", wf("t1:\n  join: some\n"),
     "field 'join': expected 'all', 'one' or an integer >= 1, got 'some'"),
    ("join 0", wf("t1:\n  join: 0\n"), "field 'join': expected 'all'"),
    ("join name too long",
     wf("a: {on-success: [%s]}\nb: {on-success: [%s]}\n%s: {join: all}\n"
        % (("j" * 209,) * 3)),
     "field 'join': a join task name must not be longer than 208"),
    # Task keys.
    ("unknown task key", wf("t1:\n  action: std.noop\n  foo: 1\n"),
     T1 + ", field 'foo': unknown key 'foo' (line 6)"),
    ("unknown task key, with a hint", wf("t1:\n  on_success: t1\n"),
     "unknown key 'on_success' (did you mean 'on-success'?)"),
    ("action and workflow", wf("t1:\n  action: std.noop\n  workflow: w\n"),
     T1 + ", field 'workflow': a task takes 'action' or 'workflow', not "
     "both (line 6)"),
    ("task named like an engine command", wf("fail:\n  action: std.noop\n"),
     W + ", task 'fail': a task cannot be named like an engine command "
     "(noop, fail, succeed, pause) (line 4)"),
    ("task name with a space", wf("my task: {action: std.noop}\n"),
     "task 'my task': invalid task name 'my task'"),
    ("empty task", wf("t1: {}\n"), T1 + ": a task needs at least one key"),
    ("task that is not a mapping", wf("t1: std.noop\n"),
     T1 + ": expected a mapping, got 'std.noop'"),
    ("empty action", wf("t1:\n  action: ''\n"),
     T1 + ", field 'action': expected a non-empty string"),
    ("publish that is not a mapping", wf("t1:\n  publish: [a]\n"),
     T1 + ", field 'publish': expected a non-empty mapping, got a list"),
    ("empty publish-on-skip", wf("t1:\n  publish-on-skip: {}\n"),
     "field 'publish-on-skip': expected a non-empty mapping, got an empty "
     "mapping"),
    ("input that is a list", wf("t1:\n  action: std.echo\n  input: [1]\n"),
     "field 'input': expected a non-empty mapping, got a list"),
    ("inline parameters into an expression input",
     wf("t1:\n  action: std.echo output=1\n  input: <% $.x %>\n"),
     T1 + ", field 'input': cannot merge the inline parameters of 'action' "
     "into an expression input (line 6)"),
    ("inline parameter without value",
     wf("t1:\n  action: std.echo output=\n"),
     T1 + ", field 'action': missing value for 'output' (line 5)"),
    ("inline words that are no parameters",
     wf("t1:\n  action: std.echo hello world\n"),
     "field 'action': expected name=value at 'hello world'"),
    ("inline parameter twice", wf("t1:\n  workflow: w a=1 a=2\n"),
     "field 'workflow': parameter 'a' given twice"),
    ("unclosed quote", wf("t1:\n  action: std.echo output='x\n"),
     "field 'action': unclosed quote"),
    ("with-items syntax", wf("t1:\n  with-items: x of <% $.xs %>\n"),
     T1 + ", field 'with-items': expected 'var in <% expression %>' or "
     "'var in [list]', got 'x of <% $.xs %>' (line 5)"),
    ("with-items without variable", wf("t1:\n  with-items: in <% $.x %>\n"),
     "field 'with-items': expected 'var in"),
    ("with-items of a plain word", wf("t1:\n  with-items: x in xs\n"),
     "field 'with-items': expected 'var in"),
    ("with-items bad list", wf("t1:\n  with-items: 'x in [1,'\n"),
     "field 'with-items': invalid list in 'x in [1,'"),
    ("with-items variable twice",
     wf("t1:\n  with-items:\n    - x in [1]\n    - x in [2]\n"),
     "field 'with-items': variable 'x' used twice (line 7)"),
    ("with-items of a number", wf("t1:\n  with-items: [1]\n"),
     "field 'with-items': expected a non-empty string, got 1"),
    ("negative concurrency", wf("t1:\n  concurrency: -2\n"),
     T1 + ", field 'concurrency': must be at least 0, got -2 (line 5)"),
    ("concurrency of a word", wf("t1:\n  concurrency: lots\n"),
     "field 'concurrency': expected an integer or an expression, got "
     "'lots'"),
    ("concurrency of a number", wf("t1:\n  concurrency: 1.5\n"),
     "field 'concurrency': expected an integer or an expression, got 1.5"),
    ("concurrency true", wf("t1:\n  concurrency: true\n"),
     "field 'concurrency': expected an integer or an expression, got True"),
    ("timeout text", wf("t1:\n  timeout: '5'\n"),
     "field 'timeout': expected an integer or an expression, got '5'"),
    ("negative wait", wf("t1:\n  wait-after: -1\n"),
     "field 'wait-after': must be at least 0, got -1"),
    ("pause-before text", wf("t1:\n  pause-before: yes please\n"),
     "field 'pause-before': expected a boolean or an expression"),
    ("keep-result number", wf("t1:\n  keep-result: 0\n"),
     "field 'keep-result': expected a boolean or an expression, got 0"),
    ("retry without delay", wf("t1:\n  retry: {count: 1}\n"),
     T1 + ", field 'retry': 'delay' is required (line 5)"),
    ("retry one line without count", wf("t1:\n  retry: delay=1\n"),
     "field 'retry': 'count' is required"),
    ("retry unknown key", wf("t1:\n  retry: {count: 1, delay: 1, x: 2}\n"),
     "field 'retry.x': unknown key 'x' (expected one of count, delay, "
     "break-on, continue-on)"),
    ("retry break-on plain text",
     wf("t1:\n  retry: {count: 1, delay: 1, break-on: always}\n"),
     "field 'retry.break-on': expected an expression"),
    ("retry list", wf("t1:\n  retry: [1]\n"),
     "field 'retry': expected a mapping or 'count=N delay=N', got a list"),
    ("tags not unique", wf("t1:\n  tags: [a, a]\n"),
     "field 'tags': duplicate entry 'a'"),
    ("requires in a direct workflow", wf("t1:\n  requires: [t1]\n"),
     T1 + ", field 'requires': not allowed in a direct workflow"),
    ("requires an unknown task",
     wf("t1:\n  requires: [nope]\n", head="type: reverse\n"),
     T1 + ", field 'requires': unknown task 'nope' (line 6)"),
    ("requires an engine command",
     wf("t1:\n  requires: fail\n", head="type: reverse\n"),
     "field 'requires': unknown task 'fail'"),
    # Workflow keys.
    ("unknown workflow key", wf("t1: {action: std.noop}\n",
                                head="inputs: [a]\n"),
     W + ", field 'inputs': unknown key 'inputs' (did you mean 'input'?) "
     "(line 3)"),
    ("bad workflow type", wf("t1: {action: std.noop}\n",
                             head="type: sideways\n"),
     W + ", field 'type': expected 'direct' or 'reverse', got 'sideways'"),
    ("input name with a space", wf("t1: {action: std.noop}\n",
                                   head="input:\n  - my var\n"),
     W + ", field 'input': invalid parameter name 'my var' (line 4)"),
    ("input given twice", wf("t1: {action: std.noop}\n",
                             head="input:\n  - a\n  - a: 1\n"),
     W + ", field 'input': duplicate parameter 'a' (line 5)"),
    ("input entry with two keys", wf("t1: {action: std.noop}\n",
                                     head="input:\n  - {a: 1, b: 2}\n"),
     "field 'input': expected a name or a one-key mapping"),
    ("input not a list", wf("t1: {action: std.noop}\n", head="input: a\n"),
     "field 'input': expected a non-empty list, got 'a'"),
    ("vars name", wf("t1: {action: std.noop}\n", head="vars:\n  a.b: 1\n"),
     W + ", field 'vars': invalid variable name 'a.b'"),
    ("task-defaults unknown target",
     wf("t1: {action: std.noop}\n", head="task-defaults:\n"
                                         "  on-error: [nope]\n"),
     W + ", field 'task-defaults.on-error': unknown task 'nope' (line 4)"),
    ("task-defaults unknown key",
     wf("t1: {action: std.noop}\n", head="task-defaults:\n"
                                         "  publish: {a: 1}\n"),
     W + ", field 'task-defaults.publish': unknown key 'publish'"),
    ("task-defaults requires an unknown task",
     wf("t1: {action: std.noop}\n",
        head="type: reverse\ntask-defaults:\n  requires: [nope]\n"),
     W + ", field 'task-defaults.requires': unknown task 'nope'"),
    ("no tasks", "version: '2.0'\nwf1:\n  description: x\n",
     W + ": 'tasks' is required (line 2)"),
    ("empty tasks", "version: '2.0'\nwf1:\n  tasks: {}\n",
     W + ", field 'tasks': expected a non-empty mapping, got an empty "
     "mapping (line 3)"),
    ("workflow that is not a mapping", "version: '2.0'\nwf1: 3\n",
     W + ": expected a mapping, got 3 (line 2)"),
    ("workflow named like a UUID",
     "version: '2.0'\n123e4567-e89b-12d3-a456-426614174000:\n"
     "  tasks: {t: {action: std.noop}}\n",
     "a workflow name cannot look like a UUID (line 2)"),
    ("workflow name with a space",
     "version: '2.0'\nmy wf:\n  tasks: {t: {action: std.noop}}\n",
     "Invalid workflow name 'my wf'"),
    # Document.
    ("no version", "wf1:\n  tasks: {t: {action: std.noop}}\n",
     "Invalid document, field 'version': is required, expected '2.0'"),
    ("unsupported version",
     "version: '3.0'\nwf1:\n  tasks: {t: {action: std.noop}}\n",
     "Invalid document, field 'version': unsupported version '3.0', "
     "expected '2.0' (line 1)"),
    ("version true", "version: true\nwf1: {tasks: {t: {action: std.noop}}}",
     "unsupported version True"),
    ("empty document", "", "Invalid document: it is empty"),
    ("comments only", "# nothing\n", "Invalid document: it is empty"),
    ("list document", "- a\n- b\n",
     "Invalid document: expected a mapping with 'version' and workflows"),
    ("version only", "version: '2.0'\n",
     "Invalid document: it has no workflow"),
    # YAML.
    ("YAML indentation",
     "version: '2.0'\nwf1:\n  tasks:\n    t1:\n      action: std.noop\n"
     "     bad: 1\n", "Invalid YAML at line 6, column 6: "),
    ("YAML tab", "version: '2.0'\nwf1:\n\ttasks: {}\n",
     "Invalid YAML at line 3, column 1: found character '\\t'"),
    ("YAML unclosed flow", "version: '2.0'\nwf1: {tasks: [\n",
     "Invalid YAML at line 3"),
    ("duplicate task", "version: '2.0'\nwf1:\n  tasks:\n"
                       "    t1: {action: std.noop}\n"
                       "    t1: {action: std.echo}\n",
     "Invalid YAML at line 5, column 5: duplicate key 't1' (first at line "
     "4)"),
    ("duplicate workflow", "version: '2.0'\nwf1:\n  tasks: {t: {}}\n"
                           "wf1:\n  tasks: {t: {}}\n",
     "Invalid YAML at line 4, column 1: duplicate key 'wf1' (first at line "
     "2)"),
    ("duplicate key in a flow mapping",
     "version: '2.0'\nwf1: {tasks: {t: {action: a, action: b}}}\n",
     "Invalid YAML at line 2, column 30: duplicate key 'action'"),
    ("two documents", "version: '2.0'\n---\nversion: '2.0'\n",
     "Invalid YAML at line 2, column 1: but found another document"),
    ("binary value", "version: '2.0'\nwf1:\n  vars: {b: !!binary aGVsbG8=}\n"
                     "  tasks: {t: {action: std.noop}}\n",
     "Invalid document: a value of YAML type 'bytes' cannot be stored as "
     "JSON (line 3)"),
    ("python tag", "version: '2.0'\nwf1: !!python/object:os.system {}\n",
     "Invalid YAML at line 2, column 6: could not determine a constructor"),
    # Workbooks.
    ("workbook unknown key", "version: '2.0'\nname: wb\nworkflow: {}\n",
     "Invalid workbook 'wb', field 'workflow': unknown key 'workflow' "
     "(line 3)"),
    ("workbook empty name", "version: '2.0'\nname: ''\nworkflows: {}\n",
     "Invalid workbook '', field 'name': expected a non-empty string"),
    ("workbook workflows list", "version: '2.0'\nname: wb\nworkflows: []\n",
     "Invalid workbook 'wb', field 'workflows': expected a non-empty "
     "mapping, got an empty list (line 3)"),
    ("ad hoc action without base",
     "version: '2.0'\nname: wb\nactions:\n  a1:\n    base-input: {a: 1}\n",
     "Invalid action 'a1': 'base' is required (line 4)"),
    ("ad hoc action unknown key",
     "version: '2.0'\nname: wb\nactions:\n  a1:\n    base: std.echo\n"
     "    bass: 1\n",
     "Invalid action 'a1', field 'bass': unknown key 'bass' (did you mean "
     "'base'?) (line 6)"),
    ("workbook workflow error",
     "version: '2.0'\nname: wb\nworkflows:\n  w:\n    tasks:\n"
     "      t: {on-success: [x]}\n",
     "Invalid workflow 'w', task 't', field 'on-success': unknown task 'x' "
     "(line 6)"),
]


@pytest.mark.parametrize("text, fragment", [c[1:] for c in ERRORS],
                         ids=[c[0] for c in ERRORS])
def test_refused(text, fragment):
    assert fragment in refused(text)


UNKNOWN_ACTIONS = [
    ("task action", wf("t1:\n  action: nope.z a=1\n"),
     T1 + ", field 'action': unknown action 'nope.z' (line 5)"),
    ("ad hoc action base",
     "version: '2.0'\nname: wb\nactions:\n  a1:\n    base: nope.x\n",
     "Invalid action 'a1', field 'base': unknown action 'nope.x' (line 5)"),
    ("workbook task action",
     "version: '2.0'\nname: wb\nworkflows:\n  w:\n    tasks:\n"
     "      t: {action: other_wb.a}\n",
     "Invalid workflow 'w', task 't', field 'action': unknown action "
     "'other_wb.a' (line 6)"),
]


@pytest.mark.parametrize("text, fragment", [c[1:] for c in UNKNOWN_ACTIONS],
                         ids=[c[0] for c in UNKNOWN_ACTIONS])
def test_unknown_actions(text, fragment):
    assert fragment in refused(text, known_action=std_only)
    parser.parse_document(text)  # no known_action: not checked
