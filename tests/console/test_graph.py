"""The task graph's layout: layers from transitions, loops drawn back."""
import pytest

from mistral_resume.console import graph
from mistral_resume import exceptions as exc

DIAMOND = """\
---
version: '2.0'
diamond:
  tasks:
    start:
      action: std.noop
      on-success: [left, right]
    left:
      with-items: x in [1, 2]
      action: std.noop
      on-success: joined
    right:
      action: std.noop
      on-error: joined
      on-complete: tail
    joined:
      join: all
      action: std.noop
      on-complete: tail
    tail:
      workflow: other
"""

LOOP = """\
---
version: '2.0'
loop:
  tasks:
    s:
      action: std.noop
      on-success: a
    a:
      action: std.noop
      on-success: b
    b:
      action: std.noop
      on-success:
        - a: <% false %>
        - c
        - fail
    c:
      action: std.noop
"""

REVERSE = """\
---
version: '2.0'
rev:
  type: reverse
  tasks:
    a:
      action: std.noop
    b:
      action: std.noop
      requires: [a]
"""


def _by_name(g):
    return {n["name"]: n for n in g["nodes"]}


def test_layers_follow_the_longest_path():
    g = graph.graph_of(DIAMOND, "diamond")
    nodes = _by_name(g)
    assert {n: v["layer"] for n, v in nodes.items()} == {
        "start": 0, "left": 1, "right": 1, "joined": 2, "tail": 3}
    assert nodes["joined"]["join"] == "all"
    assert nodes["left"]["with_items"] is True
    assert nodes["tail"]["type"] == "WORKFLOW"
    assert nodes["tail"]["workflow"] == "other"
    assert [nodes["left"]["row"], nodes["right"]["row"]] == [0, 1]
    # Nothing overlaps: each (x, y) once, inside the drawing.
    spots = {(n["x"], n["y"]) for n in g["nodes"]}
    assert len(spots) == 5
    assert all(n["x"] + g["node_width"] <= g["width"] and
               n["y"] + g["node_height"] <= g["height"]
               for n in g["nodes"])


def test_edges_keep_their_clause():
    g = graph.graph_of(DIAMOND, "diamond")
    assert sorted((e["source"], e["target"], e["clause"])
                  for e in g["edges"]) == [
        ("joined", "tail", "on-complete"), ("left", "joined", "on-success"),
        ("right", "joined", "on-error"), ("right", "tail", "on-complete"),
        ("start", "left", "on-success"), ("start", "right", "on-success")]
    assert not any(e["back"] for e in g["edges"])


def test_a_loop_is_a_back_edge_and_engine_commands_are_not_nodes():
    g = graph.graph_of(LOOP)
    nodes = _by_name(g)
    assert {n: v["layer"] for n, v in nodes.items()} == {
        "s": 0, "a": 1, "b": 2, "c": 3}
    back = [(e["source"], e["target"]) for e in g["edges"] if e["back"]]
    assert back == [("b", "a")]
    condition = [e["condition"] for e in g["edges"] if e["back"]]
    assert condition == ["<% false %>"]
    assert "fail" not in nodes


def test_reverse_workflow_flows_along_requires():
    g = graph.graph_of(REVERSE, "rev")
    assert [(e["source"], e["target"], e["clause"]) for e in g["edges"]] \
        == [("a", "b", "requires")]
    assert _by_name(g)["b"]["layer"] == 1


def test_workbook_names_and_missing_workflows():
    book = ("---\nversion: '2.0'\nname: wb\nworkflows:\n  inner:\n"
            "    tasks:\n      t:\n        action: std.noop\n")
    assert graph.graph_of(book, "wb.inner")["nodes"][0]["name"] == "t"
    with pytest.raises(LookupError, match="it has: inner"):
        graph.graph_of(book, "wb.other")
    with pytest.raises(exc.DSLParsingError):
        graph.graph_of("version: '2.0'\nx: [")


def test_a_long_chain_does_not_recurse():
    tasks = "".join("    t%d:\n      action: std.noop\n      on-success: "
                    "t%d\n" % (i, i + 1) for i in range(1500))
    text = "---\nversion: '2.0'\nlong:\n  tasks:\n%s    t1500:\n" \
           "      action: std.noop\n" % tasks
    g = graph.graph_of(text)
    assert _by_name(g)["t1500"]["layer"] == 1500
