"""Resume requests: typed and validated, whichever door they came by.

Every door (``PUT /v2/executions/{id}`` with ``resume``, ``PUT
/v2/tasks/{id}``, ``POST /v2/action_executions`` with
``task_execution_id``) builds the same :class:`TaskResume` values here, so
the engine sees one shape and the rules live in one place. Everything that
can be checked without the database is checked here: a refused request
never reaches a unit of work.
"""
import dataclasses
import json

from mistral_resume import exceptions as exc

RERUN = "rerun"
SKIP = "skip"
MODES = (RERUN, SKIP)
ITEMS_FAILED = "failed"
ITEMS_ALL = "all"


class _NoOutput:
    def __repr__(self):
        return "NO_OUTPUT"

    def __bool__(self):
        return False


NO_OUTPUT = _NoOutput()


@dataclasses.dataclass(frozen=True)
class ItemRequest:
    """One with-items item to re-run, with its own input overrides."""

    index: int
    input: dict = None


@dataclasses.dataclass(frozen=True)
class TaskResume:
    """R: resume one failed task (by name or task execution id)."""

    task: str
    mode: str = RERUN
    input: dict = None
    items: object = ITEMS_FAILED  # "failed", "all" or tuple of ItemRequest
    output: object = NO_OUTPUT
    env: dict = None

    @property
    def item_indices(self):
        return (None if isinstance(self.items, str)
                else [i.index for i in self.items])

    def describe(self, task_name=None, with_items=False):
        """A short text for comments: what this resume does, to which task.
        """
        name = task_name or self.task
        if self.mode == SKIP:
            return "skip task '%s'%s" % (
                name, "" if self.output is NO_OUTPUT
                else " with a supplied output")
        new_input = bool(self.input) or (
            not isinstance(self.items, str)
            and any(i.input for i in self.items))
        items = ""
        if with_items:
            items = " items %s" % (
                self.items if isinstance(self.items, str)
                else ", ".join(str(i) for i in self.item_indices))
        return "rerun task '%s'%s%s%s" % (
            name, items, " with new input" if new_input else "",
            " and env %s" % sorted(self.env) if self.env else "")


R_FIELDS = frozenset(("task", "mode", "input", "items", "output", "env"))


def _json_value(value, what, expect=dict):
    """A JSON value, given as itself or as a JSON string."""
    if isinstance(value, str) and expect is not str:
        try:
            value = json.loads(value)
        except ValueError as e:
            raise exc.InputError("'%s' is not valid JSON: %s" % (what, e))
    if expect is not None and value is not None and not isinstance(
            value, expect):
        raise exc.InputError("'%s' must be a JSON %s" % (
            what, {dict: "object", list: "array"}.get(expect, "value")))
    return value


def _items(value):
    if value is None:
        return ITEMS_FAILED
    if value in (ITEMS_FAILED, ITEMS_ALL):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not value:
        raise exc.InputError(
            "'items' must be \"failed\", \"all\" or a non-empty list of "
            "indices or {\"index\": N, \"input\": {...}} objects")
    result, seen = [], set()
    for entry in value:
        if isinstance(entry, dict):
            unknown = set(entry) - {"index", "input"}
            if unknown:
                raise exc.InputError("Unknown field(s) in an item: %s"
                                     % ", ".join(sorted(unknown)))
            index = entry.get("index")
            item_input = _json_value(entry.get("input"), "items[].input")
        else:
            index, item_input = entry, None
        if not isinstance(index, int) or isinstance(index, bool) or (
                index < 0):
            raise exc.InputError("Item index must be a non-negative integer,"
                                 " got %r" % (index,))
        if index in seen:
            raise exc.InputError("Item index %d is given twice" % index)
        seen.add(index)
        result.append(ItemRequest(index, item_input))
    return tuple(result)


def task_resume(value):
    """Validate one R (a dict from a JSON body).

    :raises: InputError saying what to fix.
    """
    if not isinstance(value, dict):
        raise exc.InputError("Each resume entry must be a JSON object")
    unknown = set(value) - R_FIELDS
    if unknown:
        raise exc.InputError("Unknown field(s) in resume: %s; allowed: %s"
                             % (", ".join(sorted(unknown)),
                                ", ".join(sorted(R_FIELDS))))
    task = value.get("task")
    if not isinstance(task, str) or not task:
        raise exc.InputError("'task' (a task name or task execution id) is "
                             "required in each resume entry")
    mode = value.get("mode", RERUN)
    if mode not in MODES:
        raise exc.InputError("'mode' must be one of %s, got %r"
                             % (", ".join(MODES), mode))
    output = value.get("output", NO_OUTPUT)
    if mode == RERUN and "output" in value:
        raise exc.InputError("'output' goes with mode 'skip', not 'rerun'")
    if mode == SKIP and ("input" in value or "items" in value):
        raise exc.InputError("'input' and 'items' go with mode 'rerun', "
                             "not 'skip'")
    return TaskResume(
        task=task, mode=mode,
        input=_json_value(value.get("input"), "input"),
        items=_items(value.get("items")), output=output,
        env=_json_value(value.get("env"), "env"))


def resume_list(value):
    """``resume`` of ``PUT /v2/executions/{id}``: one R or a list of R."""
    entries = value if isinstance(value, list) else [value]
    if not entries:
        raise exc.InputError("'resume' must not be an empty list")
    resumes = [task_resume(v) for v in entries]
    names = [r.task for r in resumes]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise exc.InputError("Task(s) named more than once in one resume: %s"
                             % ", ".join(twice))
    return tuple(resumes)


def from_task_door(task_id, state, reset=None, env=None, task_input=None,
                   items=None, output=NO_OUTPUT):
    """``PUT /v2/tasks/{id}``: Mistral's state RUNNING / SKIPPED, and ours.

    ``reset`` true re-runs all items (Mistral); false only the failed ones
    or those ``items`` lists.
    """
    env = _json_value(env, "env")
    if state == "SKIPPED":
        if task_input is not None or items is not None:
            raise exc.InputError("'input' and 'items' go with state RUNNING "
                                 "(a re-run), not SKIPPED")
        return TaskResume(task=task_id, mode=SKIP, output=output, env=env)
    if output is not NO_OUTPUT:
        raise exc.InputError("'output' goes with state SKIPPED, not RUNNING")
    if items is not None and reset:
        raise exc.InputError("'items' goes with reset false: reset true "
                             "re-runs every item")
    chosen = _items(items) if items is not None else (
        ITEMS_ALL if reset else ITEMS_FAILED)
    return TaskResume(task=task_id, mode=RERUN,
                      input=_json_value(task_input, "input"), items=chosen,
                      env=env)


def from_action_door(task_execution_id, index=None, action_input=None):
    """``POST /v2/action_executions`` with ``task_execution_id``: a re-run."""
    action_input = _json_value(action_input, "input")
    if index is None:
        return TaskResume(task=task_execution_id, mode=RERUN,
                          input=action_input)
    return TaskResume(task=task_execution_id, mode=RERUN,
                      items=_items([{"index": index, "input": action_input}]))


def to_dict(resume):
    """JSON-ready, to travel over RPC."""
    d = dataclasses.asdict(resume)
    if resume.output is NO_OUTPUT:
        d.pop("output")
    if not isinstance(resume.items, str):
        d["items"] = [{"index": i.index, "input": i.input}
                      for i in resume.items]
    return d


def from_dict(d):
    d = dict(d)
    items = d.get("items", ITEMS_FAILED)
    if not isinstance(items, str):
        d["items"] = tuple(ItemRequest(i["index"], i.get("input"))
                           for i in items)
    if "output" not in d:
        d["output"] = NO_OUTPUT
    return TaskResume(**d)
