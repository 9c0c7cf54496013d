"""Expression syntax is checked in every field that is evaluated."""
import pytest

from mistral_resume import exceptions
from mistral_resume.expressions import base as expr_base
from mistral_resume.spec import parser
from tests.unit.spec import test_errors

W = test_errors.W
T1 = test_errors.T1
refused = test_errors.refused
wf = test_errors.wf

BAD = "<% $.x + %>"
EXPRESSIONS = [
    ("task input", wf("t1:\n  action: std.echo\n  input:\n"
                      "    output: %s\n" % BAD), "field 'input.output'"),
    ("inline parameter", wf("t1:\n  action: std.echo output=%s\n" % BAD),
     "field 'action'"),
    ("action name", wf("t1:\n  action: <% $. %>\n"), "field 'action'"),
    ("workflow name", wf("t1:\n  workflow: '{{ _.x + }}'\n"),
     "field 'workflow'"),
    ("publish", wf("t1:\n  publish:\n    x: %s\n" % BAD),
     "field 'publish.x'"),
    ("publish-on-error", wf("t1:\n  publish-on-error:\n    x: [%s]\n" % BAD),
     "field 'publish-on-error.x'"),
    ("publish-on-skip", wf("t1:\n  publish-on-skip:\n    x: %s\n" % BAD),
     "field 'publish-on-skip.x'"),
    ("condition", wf("t1:\n  on-success:\n    - t1: %s\n" % BAD),
     "field 'on-success'"),
    ("transition parameter", wf("t1:\n  on-error: ['fail msg=%s']\n" % BAD),
     "field 'on-error'"),
    ("advanced publish",
     wf("t1:\n  on-complete:\n    publish:\n      global: {g: %s}\n" % BAD),
     "field 'on-complete.publish.global.g'"),
    ("with-items", wf("t1:\n  with-items: x in %s\n" % BAD),
     "field 'with-items'"),
    ("retry", wf("t1:\n  retry: {count: %s, delay: 1}\n" % BAD),
     "field 'retry.count'"),
    ("timeout", wf("t1:\n  timeout: %s\n" % BAD), "field 'timeout'"),
    ("keep-result", wf("t1:\n  keep-result: %s\n" % BAD),
     "field 'keep-result'"),
    ("target", wf("t1:\n  target: %s\n" % BAD), "field 'target'"),
    ("workflow output", wf("t1: {action: std.noop}\n",
                           head="output:\n  o: [%s]\n" % BAD),
     W + ", field 'output.o'"),
    ("output-on-error", wf("t1: {action: std.noop}\n",
                           head="output-on-error: %s\n" % BAD),
     W + ", field 'output-on-error'"),
    ("vars", wf("t1: {action: std.noop}\n", head="vars:\n  v: %s\n" % BAD),
     W + ", field 'vars.v'"),
    ("task-defaults", wf("t1: {action: std.noop}\n",
                         head="task-defaults:\n  timeout: %s\n" % BAD),
     W + ", field 'task-defaults.timeout'"),
    ("mixed languages", wf("t1:\n  publish:\n    x: <% 1 %> {{ 2 }}\n"),
     "field 'publish.x': invalid expression '<% 1 %> {{ 2 }}'"),
]


@pytest.mark.parametrize("text, field", [c[1:] for c in EXPRESSIONS],
                         ids=[c[0] for c in EXPRESSIONS])
def test_expression_syntax_is_checked_everywhere(text, field):
    message = refused(text)
    assert field in message
    assert "invalid expression" in message


def test_expression_errors_come_from_the_expressions_module(monkeypatch):
    seen = []

    def validate(text):
        seen.append(text)
        if "BOOM" in text:
            raise exceptions.ExpressionError("no BOOM allowed")

    monkeypatch.setattr(expr_base, "validate", validate)
    text = wf("t1:\n  description: BOOM is fine here\n"
              "  publish: {x: 'a BOOM'}\n")
    assert refused(text) == (
        "Invalid workflow 'wf1', task 't1', field 'publish.x': invalid "
        "expression 'a BOOM': no BOOM allowed (line 6)")
    assert "BOOM is fine here" not in seen


def test_plain_strings_and_good_expressions_pass():
    doc = parser.parse_document(wf(
        "t1:\n  action: std.echo output='50% done' other=<% $.x %>\n"
        "  publish: {a: '{{ _.y }}', b: 'a %> b'}\n"))
    assert doc.workflows["wf1"].tasks["t1"].input == {
        "output": "50% done", "other": "<% $.x %>"}
