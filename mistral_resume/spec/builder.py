"""Raw YAML mappings -> spec models, driven by one table row per key.

Each table row names the model attribute, the checker from
``spec/schema.py``, the workflow type the key belongs to (``None``: both)
and whether its strings are checked as expressions. Errors are
``schema.SpecError`` with a path relative to the workflow (or action);
``spec/parser.py`` turns them into messages that say where.

Mistral rules applied here (mistral/lang/v2/workflows.py, tasks.py,
task_defaults.py, engine/policies.py):

- task-defaults policies apply to a task that does not set them;
- a task-defaults on-* clause applies only when the task's own clause has
  no transition, minus any transition to the task itself;
- reverse workflows: a task requires its own ``requires`` plus those of
  task-defaults, never itself;
- inline parameters of ``action:``/``workflow:`` are merged into
  ``input:`` recursively, the inline ones winning (mistral_lib merge_dicts).
"""

import collections
import difflib
import re
import uuid

from mistral_resume.spec import models
from mistral_resume.spec import schema

Key = collections.namedtuple("Key", "attr check scope exprs")

_D, _R = models.DIRECT, models.REVERSE
_META = Key(None, schema.any_value, None, False)
_TASK_NAME = re.compile(r"[\w-]+\Z")
MAX_TASK_NAME = 255
# Mistral keys a join's lock on "join-task-<execution id>-<name>" <= 255.
MAX_JOIN_TASK_NAME = MAX_TASK_NAME - 47
# Issue requirement, stricter than Mistral (which wants >= 1 for 'all'):
# a join with fewer inbound tasks than this is refused.
MIN_JOIN_INBOUND = 2

_POLICY_KEYS = {
    "retry": Key("retry", schema.retry, None, True),
    "wait-before": Key("wait_before", schema.count, None, True),
    "wait-after": Key("wait_after", schema.count, None, True),
    "timeout": Key("timeout", schema.count, None, True),
    "pause-before": Key("pause_before", schema.bool_or_expression, None,
                        True),
    "concurrency": Key("concurrency", schema.count, None, True),
    "fail-on": Key("fail_on", schema.bool_or_expression, None, True),
    "safe-rerun": Key("safe_rerun", schema.bool_or_expression, None, True),
}

_CLAUSE_KEYS = {
    "on-success": Key("on_success", schema.clause, _D, True),
    "on-error": Key("on_error", schema.clause, _D, True),
    "on-skip": Key("on_skip", schema.clause, _D, True),
    "on-complete": Key("on_complete", schema.clause, _D, True),
}
CLAUSE_KEY_OF = {k.attr: name for name, k in _CLAUSE_KEYS.items()}

TASK_KEYS = {
    "name": _META,
    "version": _META,
    "type": _META,
    "description": Key("description", schema.string, None, False),
    "tags": Key("tags", schema.tags, None, False),
    "action": Key("action", schema.call, None, True),
    "workflow": Key("workflow", schema.call, None, True),
    "input": Key("input", schema.mapping_or_expression, None, True),
    "with-items": Key("with_items", schema.with_items, None, True),
    "publish": Key("publish", schema.mapping, None, True),
    "publish-on-error": Key("publish_on_error", schema.mapping, None, True),
    "publish-on-skip": Key("publish_on_skip", schema.mapping, None, True),
    "target": Key("target", schema.nonempty_string, None, True),
    "keep-result": Key("keep_result", schema.bool_or_expression, None, True),
    "join": Key("join", schema.join, _D, False),
    "requires": Key("requires", schema.string_list, _R, False),
    **_POLICY_KEYS,
    **_CLAUSE_KEYS,
}

# Mistral's task-defaults keys, plus 'fail-on' and 'on-skip' that its task
# spec has (accepting them too only widens what is valid).
DEFAULT_KEYS = {
    **_POLICY_KEYS,
    **{name: k._replace(scope=None) for name, k in _CLAUSE_KEYS.items()},
    "requires": Key("requires", schema.string_list, None, False),
}

WORKFLOW_KEYS = {
    "name": _META,
    "version": _META,
    "type": Key("type", schema.nonempty_string, None, False),
    "description": Key("description", schema.string, None, False),
    "tags": Key("tags", schema.tags, None, False),
    "input": Key("input", schema.params_list, None, False),
    "output": Key("output", schema.any_value, None, True),
    "output-on-error": Key("output_on_error", schema.any_value, None, True),
    "vars": Key("vars", schema.var_mapping, None, True),
    "task-defaults": Key("task_defaults", schema.mapping, None, False),
    "tasks": Key("tasks", schema.mapping, None, False),
}

ACTION_KEYS = {
    "name": _META,
    "version": _META,
    "description": Key("description", schema.string, None, False),
    "tags": Key("tags", schema.tags, None, False),
    "base": Key("base", schema.call, None, True),
    "base-input": Key("base_input", schema.mapping, None, True),
    "input": Key("input", schema.params_list, None, False),
    "output": Key("output", schema.any_value, None, True),
}


def _unknown_key(key, table):
    close = difflib.get_close_matches(str(key), table, n=1)
    hint = " (did you mean %r?)" % close[0] if close else ""
    return schema.SpecError("unknown key %r%s" % (key, hint), (key,))


def read(data, table, wf_type=None):
    """Check each key of ``data`` by its row -> {attr: normalized value}."""
    if not isinstance(data, dict):
        raise schema.SpecError("expected a mapping, got %r" % (data,))
    values = {}
    for key, raw in data.items():
        row = table.get(key)
        if row is None:
            raise _unknown_key(key, table)
        if row.scope and wf_type and row.scope != wf_type:
            raise schema.SpecError("not allowed in a %s workflow" % wf_type,
                                   (key,))
        if row.attr is None:
            continue
        try:
            value = row.check(raw)
            if row.exprs:
                schema.check_expressions(value)
        except schema.SpecError as e:
            raise e.within(key)
        values[row.attr] = value
    return values


def _merge(left, right):
    """Recursive merge, ``right`` winning (Mistral's merge_dicts)."""
    for key, value in right.items():
        if isinstance(left.get(key), dict) and isinstance(value, dict):
            _merge(left[key], value)
        else:
            left[key] = value
    return left


def _inline_input(values, key):
    """Split 'action'/'workflow' into the name and merge its parameters."""
    name, params = values[key]
    values[key] = name
    if not params:
        return
    given = values.get("input", {})
    if isinstance(given, str):
        raise schema.SpecError("cannot merge the inline parameters of %r "
                               "into an expression input" % key, ("input",))
    values["input"] = _merge(dict(given), params)


def _copy(transitions, drop=None):
    return [models.Transition(t.target, t.condition, dict(t.params))
            for t in transitions if t.target != drop]


def build_task(name, data, wf_type, defaults):
    """One task; ``defaults`` is task-defaults as read by ``read()``."""
    if data == {}:
        raise schema.SpecError("a task needs at least one key, e.g. "
                               "'action'")
    values = read(data, TASK_KEYS, wf_type)
    if "action" in values and "workflow" in values:
        raise schema.SpecError("a task takes 'action' or 'workflow', not "
                               "both", ("workflow",))
    for key in ("action", "workflow"):
        if key in values:
            _inline_input(values, key)
    if "action" not in values and "workflow" not in values:
        values["action"] = models.NOOP_ACTION
    for attr in ("retry", "wait_before", "wait_after", "timeout",
                 "pause_before", "concurrency", "fail_on", "safe_rerun"):
        if attr not in values and attr in defaults:
            values[attr] = defaults[attr]
    advanced = {}
    for attr in models.CLAUSES:
        clause = values.pop(attr, None)
        transitions = clause.transitions if clause else []
        if clause and clause.publish:
            advanced[attr] = clause.publish
        if not transitions and wf_type == _D and attr in defaults:
            transitions = _copy(defaults[attr].transitions, drop=name)
        values[attr] = transitions
    if wf_type == _R:
        requires = values.get("requires", []) + defaults.get("requires", [])
        values["requires"] = [r for i, r in enumerate(requires)
                              if r != name and r not in requires[:i]]
    return models.TaskSpec(name=name, advanced_publish=advanced, **values)


def _check_task_name(name):
    if not isinstance(name, str) or not _TASK_NAME.match(name):
        raise schema.SpecError("invalid task name %r (letters, digits, '_' "
                               "and '-' only)" % (name,))
    if len(name) > MAX_TASK_NAME:
        raise schema.SpecError("task name longer than %d characters"
                               % MAX_TASK_NAME)
    if name in models.ENGINE_COMMANDS:
        raise schema.SpecError("a task cannot be named like an engine "
                               "command (%s)" % ", ".join(
                                   models.ENGINE_COMMANDS))


def _check_targets(transitions, tasks, path):
    for t in transitions:
        if t.target not in tasks and t.target not in models.ENGINE_COMMANDS:
            raise schema.SpecError("unknown task %r" % t.target, path)


def _check_direct(wf, defaults):
    for attr in models.CLAUSES:
        if attr in defaults:
            _check_targets(defaults[attr].transitions, wf.tasks,
                           ("task-defaults", CLAUSE_KEY_OF[attr]))
    for name, task in wf.tasks.items():
        for attr in models.CLAUSES:
            _check_targets(getattr(task, attr), wf.tasks,
                           ("tasks", name, CLAUSE_KEY_OF[attr]))
    if not wf.start_tasks():
        raise schema.SpecError("no start task: every task has an inbound "
                               "transition", ("tasks",))
    for name, task in wf.tasks.items():
        if task.join is None:
            continue
        path = ("tasks", name, "join")
        if len(name) > MAX_JOIN_TASK_NAME:
            raise schema.SpecError("a join task name must not be longer "
                                   "than %d characters" % MAX_JOIN_TASK_NAME,
                                   path)
        inbound = wf.inbound(name)
        needed = max(MIN_JOIN_INBOUND,
                     task.join if isinstance(task.join, int) else 0)
        if len(inbound) < needed:
            raise schema.SpecError(
                "join %r needs at least %d inbound tasks, %r has %d%s"
                % (task.join, needed, name, len(inbound),
                   " (%s)" % ", ".join(inbound) if inbound else ""), path)


def _check_reverse(wf, defaults):
    for required in defaults.get("requires", []):
        if required not in wf.tasks:
            raise schema.SpecError("unknown task %r" % required,
                                   ("task-defaults", "requires"))
    for name, task in wf.tasks.items():
        for required in task.requires:
            if required not in wf.tasks:
                raise schema.SpecError("unknown task %r" % required,
                                       ("tasks", name, "requires"))


def _is_uuid(name):
    try:
        uuid.UUID(name)
    except ValueError:
        return False
    return True


def build_workflow(name, data, known_action=None):
    """One workflow; ``known_action(name)`` refuses unknown static actions."""
    if _is_uuid(name):
        raise schema.SpecError("a workflow name cannot look like a UUID")
    values = read(data, WORKFLOW_KEYS)
    wf_type = values.setdefault("type", _D)
    if wf_type not in models.WORKFLOW_TYPES:
        raise schema.SpecError("expected 'direct' or 'reverse', got %r"
                               % wf_type, ("type",))
    if "tasks" not in values:
        raise schema.SpecError("'tasks' is required")
    try:
        defaults = read(values.get("task_defaults", {}), DEFAULT_KEYS)
    except schema.SpecError as e:
        raise e.within("task-defaults")
    tasks = {}
    for task_name, task_data in values["tasks"].items():
        try:
            _check_task_name(task_name)
            tasks[task_name] = build_task(task_name, task_data, wf_type,
                                          defaults)
        except schema.SpecError as e:
            raise e.within("tasks", task_name)
        action = tasks[task_name].action
        if (known_action and "action" in task_data
                and not schema.is_expression(action)
                and not known_action(action)):
            raise schema.SpecError("unknown action %r" % action,
                                   ("tasks", task_name, "action"))
    values["tasks"] = tasks
    wf = models.WorkflowSpec(name=name, **values)
    if wf_type == _D:
        _check_direct(wf, defaults)
    else:
        _check_reverse(wf, defaults)
    return wf


def build_action(name, data, known_action=None):
    """One ad hoc action of a workbook's ``actions:`` section."""
    values = read(data, ACTION_KEYS)
    if "base" not in values:
        raise schema.SpecError("'base' is required")
    base, params = values["base"]
    values["base"] = base
    values["base_input"] = _merge(dict(values.get("base_input", {})), params)
    if (known_action and not schema.is_expression(base)
            and not known_action(base)):
        raise schema.SpecError("unknown action %r" % base, ("base",))
    return models.ActionSpec(name=name, **values)
