"""Flags -> the body of ``PUT /v2/executions/{id}``: pure, no server."""
import io
import json

import pytest

from mistral_resume.cli import app
from mistral_resume.cli import bodies
from mistral_resume.cli import resume
from mistral_resume.cli import views


def body(*argv, stdin=None):
    command = resume.WorkflowResume(app.MistralResumeApp(), None)
    args = command.get_parser("workflow-resume").parse_args(["EX", *argv])
    return resume.build_body(args, stdin)


def test_rerun_with_input_env_and_comment(tmp_path):
    env = tmp_path / "env.json"
    env.write_text('{"size": 2}')
    assert body("--task", "t2", "--input", '{"size": 1}', "--env",
                "@%s" % env, "--comment", "fixed") == {
        "state": "RUNNING", "comment": "fixed",
        "resume": {"task": "t2", "mode": "rerun", "input": {"size": 1},
                   "env": {"size": 2}}}


def test_only_the_given_keys_travel():
    assert body("--task", "t2") == {
        "state": "RUNNING", "resume": {"task": "t2", "mode": "rerun"}}
    assert body("--task", "t2", "--dry-run")["dry_run"] is True


@pytest.mark.parametrize("flags, items", [
    (["--items", "1,3"], [1, 3]),
    (["--items", "0-2, 5"], [0, 1, 2, 5]),
    (["--items", "all"], "all"),
    (["--items", "failed"], "failed"),
    (["--all-items"], "all"),
    (["--items", "1,3", "--item-input", '3={"x": 1}'],
     [1, {"index": 3, "input": {"x": 1}}]),
    (["--item-input", '2={"x": 1}', "--item-input", "0={}"],
     [{"index": 2, "input": {"x": 1}}, {"index": 0, "input": {}}]),
    # Not numbers: sent as given, for the API to say why it refuses.
    (["--items", "1,x"], [1, "x"]),
    (["--items", "-1"], [-1]),
])
def test_item_selection(flags, items):
    assert body("--task", "t", *flags)["resume"]["items"] == items


def test_without_item_flags_the_server_default_applies():
    assert "items" not in body("--task", "t")["resume"]


@pytest.mark.parametrize("flags, message", [
    (["--items", "1", "--item-input", "5={}"], "item(s) 5 not in --items"),
    (["--all-items", "--item-input", "1={}"], "not with all items"),
    (["--item-input", "1={}", "--item-input", "1={}"], "item 1 twice"),
    (["--item-input", "x={}"], "INDEX=JSON"),
    (["--item-input", "{}"], "INDEX=JSON"),
    (["--input", "@/no/such/file"], "cannot read /no/such/file"),
])
def test_flags_the_cli_cannot_send(flags, message):
    with pytest.raises(bodies.UsageError) as info:
        body("--task", "t", *flags)
    assert message in str(info.value)


def test_items_and_all_items_exclude_each_other():
    with pytest.raises(SystemExit):
        body("--task", "t", "--items", "1", "--all-items")


def test_skip_with_output_from_a_file_or_as_text(tmp_path):
    out = tmp_path / "out.json"
    out.write_text('{"a": 1}')
    assert body("--task", "t2", "--skip", "--output", "@%s" % out)[
        "resume"] == {"task": "t2", "mode": "skip", "output": {"a": 1}}
    assert body("--task", "t2", "--skip", "--output", "done")[
        "resume"]["output"] == "done"
    assert body("--task", "t2", "--skip", "--output", "null")[
        "resume"]["output"] is None
    assert "output" not in body("--task", "t2", "--skip")["resume"]


def test_what_the_mode_does_not_take_still_travels():
    """The API refuses it with its own message."""
    assert body("--task", "t", "--output", "1")["resume"] == {
        "task": "t", "mode": "rerun", "output": 1}
    assert body("--task", "t", "--input", "not json")["resume"][
        "input"] == "not json"


def test_standard_input():
    assert body("--task", "t", "--input", "@-",
                stdin=io.StringIO('{"k": "v"}'))["resume"]["input"] == {
        "k": "v"}


def test_resume_json_gives_whole_entries(tmp_path):
    entries = [{"task": "a", "mode": "skip"}, {"task": "b", "items": [0]}]
    assert body("--resume-json", json.dumps(entries), "--comment", "c") == {
        "state": "RUNNING", "resume": entries, "comment": "c"}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(entries[0]))
    assert body("--resume-json", "@%s" % path)["resume"] == entries[0]
    with pytest.raises(bodies.UsageError) as info:
        body("--resume-json", "[", "--dry-run")
    assert "--resume-json is not valid JSON" in str(info.value)
    with pytest.raises(bodies.UsageError) as info:
        body("--resume-json", "[]", "--task", "a", "--skip")
    assert "does not go with --task, --skip" in str(info.value)


def test_failed_items_of_a_with_items_task():
    actions = [{"item_index": 0, "state": "SUCCESS"},
               {"item_index": 1, "state": "ERROR", "state_info": "boom"},
               {"item_index": 3, "state": "ERROR", "state_info": "bang\n.."}]
    # Item 2 never started: a default re-run takes it too.
    failed = views.failed_items(4, actions)
    assert failed == [{"index": 1, "error": "boom"},
                      {"index": 2, "error": "not started"},
                      {"index": 3, "error": "bang\n.."}]
    column = views.FailedItemsColumn(failed)
    assert column.human_readable() == "1: boom\n2: not started\n3: bang"
    assert column.machine_readable() == failed


def test_failed_items_when_the_server_does_not_send_indices():
    actions = [{"state": "SUCCESS"}, {"state": "ERROR", "state_info": "x"}]
    assert views.failed_items(3, actions) == [
        {"index": None, "error": "x"},
        {"index": None, "error": "not started"}]


def test_item_rows_count_attempts_per_item():
    actions = [
        {"id": "a", "item_index": 1, "state": "ERROR", "accepted": False,
         "state_info": "boom"},
        {"id": "b", "item_index": 0, "state": "SUCCESS", "accepted": True,
         "output": '{"result": 1}'},
        {"id": "c", "item_index": 1, "state": "SUCCESS", "accepted": True,
         "output": '{"result": 2}'},
    ]
    names, rows = views.item_rows(actions)
    assert names == views.TASK_ITEMS
    assert [(r[0], r[1], r[4]) for r in rows] == [
        ("b", 0, 1), ("a", 1, 1), ("c", 1, 2)]
    assert rows[1][5].human_readable() == "boom"
    assert rows[2][5].machine_readable() == {"result": 2}
    _, rows = views.item_rows(actions, state="error")
    assert [r[0] for r in rows] == ["a"]
