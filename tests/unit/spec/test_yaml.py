"""Mistral's YAML dialect: no anchors/aliases, '@' text, JSON values."""
import json
import textwrap

from mistral_resume.spec import models
from mistral_resume.spec import parser


def parse(text, **kwargs):
    return parser.parse_document(textwrap.dedent(text), **kwargs)


def parse_wf(body):
    text = "version: '2.0'\nwf:\n" + textwrap.indent(
        textwrap.dedent(body), "  ")
    return parser.parse_document(text).workflows["wf"]


def test_anchors_and_aliases_are_plain_text():
    # Mistral's YAML dialect: no anchors, so no alias expansion at all.
    doc = parse("""
        version: '2.0'
        wf:
          vars:
            a: &x [1, 2]
            b: *x
            c: @user
          tasks: {t: {action: std.noop}}
    """)
    assert doc.workflows["wf"].vars == {"a": "&x [1, 2]", "b": "*x",
                                        "c": "@user"}


def test_billion_laughs_is_not_expanded():
    lines = ["version: '2.0'", "wf:", "  vars:", "    l0: [lol]"]
    lines += ["    l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]"
              % ((i, i) + (i - 1,) * 7) for i in range(1, 10)]
    lines += ["  tasks: {t: {action: std.noop}}"]
    wf = parser.parse_document("\n".join(lines)).workflows["wf"]
    assert wf.vars["l9"] == "&l9 [*l8, *l8, *l8, *l8, *l8, *l8, *l8]"
    assert len(json.dumps(wf.to_dict())) < 5000


def test_dates_stay_strings():
    wf = parse_wf("""
        vars: {when: 2024-01-02, at: 2024-01-02T03:04:05Z}
        tasks: {t: {action: std.noop}}
    """)
    assert wf.vars == {"when": "2024-01-02", "at": "2024-01-02T03:04:05Z"}


def test_bytes_are_read_as_utf8():
    doc = parser.parse_document(
        "version: '2.0'\nwf: {description: café, tasks: {t: {}}}"
        .replace("{}", "{action: std.noop}").encode("utf-8"))
    assert doc.workflows["wf"].description == "café"


def test_mapping_keys_become_json_strings():
    wf = parse_wf("""
        output: {2: two, true: ok, null: none, 1.5: half}
        tasks:
          7: {action: std.noop}
    """)
    assert wf.output == {"2": "two", "true": "ok", "null": "none",
                         "1.5": "half"}
    assert list(wf.tasks) == ["7"]
    stored = json.loads(json.dumps(wf.to_dict()))
    assert models.WorkflowSpec.from_dict(stored) == wf


def test_from_dict_ignores_fields_it_does_not_know():
    wf = parse_wf("tasks: {t: {action: std.noop}}")
    stored = wf.to_dict()
    stored["added_later"] = 1
    stored["tasks"]["t"]["added_later"] = 2
    assert models.WorkflowSpec.from_dict(stored) == wf
