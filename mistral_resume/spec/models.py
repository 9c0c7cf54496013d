"""Normalized Mistral v2 workflow language objects.

What ``spec/parser.py`` returns and what the engine stores on an execution
(``to_dict()`` is plain JSON; ``from_dict()`` rebuilds the same object).
Nothing here parses YAML or validates: ``spec/schema.py`` does, then builds
these objects, so an object that exists is a valid one.

Normalized shapes:

- a transition is ``Transition(target, condition, params)``; ``target`` is a
  task name or one of ``ENGINE_COMMANDS``;
- ``TaskSpec.input`` is a dict (the ``input:`` mapping merged with the inline
  parameters of ``action:``/``workflow:``), or an expression string when the
  task passes ``input: <% ... %>`` as a whole;
- ``TaskSpec.with_items`` is a list of ``(var_name, expression_or_list)``;
- ``WorkflowSpec.input`` is a list of ``(name, default)``, ``default`` being
  ``NO_DEFAULT`` for a required parameter.
"""

import dataclasses

DIRECT = "direct"
REVERSE = "reverse"
WORKFLOW_TYPES = (DIRECT, REVERSE)

# Mistral's engine commands, usable as transition targets in direct
# workflows (mistral/lang/v2/workflows.py ENGINE_COMMANDS).
NOOP_COMMAND = "noop"
FAIL_COMMAND = "fail"
SUCCEED_COMMAND = "succeed"
PAUSE_COMMAND = "pause"
ENGINE_COMMANDS = (NOOP_COMMAND, FAIL_COMMAND, SUCCEED_COMMAND, PAUSE_COMMAND)

# A task with neither 'action' nor 'workflow' runs this action.
NOOP_ACTION = "std.noop"

# Task execution types, as Mistral reports them in a task's 'type'.
ACTION_TASK = "ACTION"
WORKFLOW_TASK = "WORKFLOW"

# The on-* clauses of a direct workflow task, as attribute names, in the
# order Mistral processes them (on-complete after on-success/on-error).
CLAUSES = ("on_success", "on_error", "on_skip", "on_complete")


class _NoDefault:
    """A workflow or action input parameter without a default value."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "NO_DEFAULT"

    def __bool__(self):
        return False

    # Copies of specs must keep the sentinel's identity.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (_NoDefault, ())


NO_DEFAULT = _NoDefault()


def _known(cls, d):
    """The entries of ``d`` that are fields of ``cls``: a spec stored by
    another version of this code may carry a field this one lacks."""
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    return {key: value for key, value in d.items() if key in names}


def _params_to_dict(params):
    """(name, default) pairs -> JSON: a required one has no 'default' key."""
    out = []
    for name, default in params:
        entry = {"name": name}
        if default is not NO_DEFAULT:
            entry["default"] = default
        out.append(entry)
    return out


def _params_from_dict(entries):
    return [(e["name"], e.get("default", NO_DEFAULT)) for e in entries]


@dataclasses.dataclass
class Transition:
    """One entry of an on-* clause: go to ``target`` if ``condition``."""

    target: str
    condition: str | None = None
    params: dict = dataclasses.field(default_factory=dict)

    @property
    def is_engine_command(self):
        return self.target in ENGINE_COMMANDS

    def to_dict(self):
        return {"target": self.target, "condition": self.condition,
                "params": dict(self.params)}

    @classmethod
    def from_dict(cls, d):
        return cls(d["target"], d.get("condition"),
                   dict(d.get("params") or {}))


@dataclasses.dataclass
class TaskSpec:
    """A task with task-defaults already merged in (Mistral's rules).

    Unset policies are ``None``. ``advanced_publish`` maps a clause attribute
    name (``"on_success"``...) to the ``publish:`` of its advanced form, a
    dict with any of ``branch``, ``global``, ``atomic``.
    """

    name: str
    action: str | None = None
    workflow: str | None = None
    input: dict | str = dataclasses.field(default_factory=dict)
    publish: dict = dataclasses.field(default_factory=dict)
    publish_on_error: dict = dataclasses.field(default_factory=dict)
    publish_on_skip: dict = dataclasses.field(default_factory=dict)
    on_success: list = dataclasses.field(default_factory=list)
    on_error: list = dataclasses.field(default_factory=list)
    on_skip: list = dataclasses.field(default_factory=list)
    on_complete: list = dataclasses.field(default_factory=list)
    advanced_publish: dict = dataclasses.field(default_factory=dict)
    join: str | int | None = None
    with_items: list = dataclasses.field(default_factory=list)
    concurrency: int | str | None = None
    retry: dict | None = None
    wait_before: int | str | None = None
    wait_after: int | str | None = None
    timeout: int | str | None = None
    pause_before: bool | str = False
    safe_rerun: bool | str = False
    fail_on: bool | str | None = None
    keep_result: bool | str = True
    target: str | None = None
    requires: list = dataclasses.field(default_factory=list)
    description: str | None = None
    tags: list = dataclasses.field(default_factory=list)
    # to_dict's answer, made once: specs are not changed once built.
    _as_dict: dict | None = dataclasses.field(
        default=None, init=False, repr=False, compare=False)

    @property
    def task_type(self):
        return WORKFLOW_TASK if self.workflow else ACTION_TASK

    def transitions(self):
        """(clause attribute name, Transition) for every on-* entry."""
        for clause in CLAUSES:
            for transition in getattr(self, clause):
                yield clause, transition

    def to_dict(self):
        """The spec as stored on task rows (shared: not to be changed)."""
        if self._as_dict is None:
            d = dataclasses.asdict(self)
            del d["_as_dict"]
            d["with_items"] = [[var, value] for var, value in self.with_items]
            self._as_dict = d
        return self._as_dict

    @classmethod
    def from_dict(cls, d):
        d = _known(cls, d)
        for clause in CLAUSES:
            d[clause] = [Transition.from_dict(t) for t in d.get(clause, [])]
        d["with_items"] = [(var, value)
                           for var, value in d.get("with_items", [])]
        return cls(**d)


@dataclasses.dataclass
class WorkflowSpec:
    """A workflow; ``tasks`` keeps the document's order."""

    name: str
    type: str = DIRECT
    description: str | None = None
    tags: list = dataclasses.field(default_factory=list)
    input: list = dataclasses.field(default_factory=list)
    output: object = dataclasses.field(default_factory=dict)
    output_on_error: object = dataclasses.field(default_factory=dict)
    vars: dict = dataclasses.field(default_factory=dict)
    task_defaults: dict = dataclasses.field(default_factory=dict)
    tasks: dict = dataclasses.field(default_factory=dict)
    source: str | None = None
    _memo: dict = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False)

    def task(self, name):
        return self.tasks[name]

    def memo(self, key, compute):
        """``compute()``, once per spec: what is derived from a spec never
        changes (specs are not changed once built), and a spec is shared by
        every unit of work of its executions."""
        try:
            return self._memo[key]
        except KeyError:
            return self._memo.setdefault(key, compute())

    def _inbound(self):
        return self.memo("inbound", self._make_inbound)

    def _make_inbound(self):
        index = {name: [] for name in self.tasks}
        for source_name, task in self.tasks.items():
            for _, transition in task.transitions():
                upstream = index.get(transition.target)
                if upstream is not None and source_name not in upstream:
                    upstream.append(source_name)
        return index

    def inbound(self, name):
        """Names of the tasks that lead to task ``name``, in task order.

        Direct workflow: tasks with a transition to it in any on-* clause,
        whatever the condition (Mistral's rule), itself included for a loop.
        Reverse workflow: the tasks it requires.
        """
        if self.type == REVERSE:
            return list(self.tasks[name].requires)
        return list(self._inbound()[name])

    def outbound(self, name):
        """Task names (not engine commands) that task ``name`` leads to."""
        seen = []
        for _, transition in self.tasks[name].transitions():
            target = transition.target
            if target in self.tasks and target not in seen:
                seen.append(target)
        return seen

    def start_tasks(self):
        """Direct: names of the tasks without any inbound transition.

        Reverse: none; the caller names the target task when it starts.
        """
        if self.type == REVERSE:
            return []
        index = self._inbound()
        return [name for name in self.tasks if not index[name]]

    def to_dict(self):
        """The spec as stored on rows, made once (shared: not to be
        changed)."""
        return self.memo("as dict", self._make_dict)

    def _make_dict(self):
        return {
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "tags": list(self.tags),
            "input": _params_to_dict(self.input),
            "output": self.output,
            "output_on_error": self.output_on_error,
            "vars": self.vars,
            "task_defaults": self.task_defaults,
            "tasks": {n: t.to_dict() for n, t in self.tasks.items()},
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, d):
        d = _known(cls, d)
        d["input"] = _params_from_dict(d.get("input", []))
        d["tasks"] = {n: TaskSpec.from_dict(t)
                      for n, t in d.get("tasks", {}).items()}
        return cls(**d)


@dataclasses.dataclass
class ActionSpec:
    """An ad hoc action of a workbook (``actions:`` section)."""

    name: str
    base: str
    base_input: dict | str = dataclasses.field(default_factory=dict)
    input: list = dataclasses.field(default_factory=list)
    output: object = None
    description: str | None = None
    tags: list = dataclasses.field(default_factory=list)

    def to_dict(self):
        d = dataclasses.asdict(self)
        d["input"] = _params_to_dict(self.input)
        return d

    @classmethod
    def from_dict(cls, d):
        d = _known(cls, d)
        d["input"] = _params_from_dict(d.get("input", []))
        return cls(**d)


@dataclasses.dataclass
class Document:
    """A parsed document: workflows in document order, ad hoc actions.

    ``name`` is the workbook's name for the workbook form, else ``None``;
    names in ``workflows`` and ``actions`` are the names as written.
    """

    workflows: dict = dataclasses.field(default_factory=dict)
    actions: dict = dataclasses.field(default_factory=dict)
    name: str | None = None
    description: str | None = None
    tags: list = dataclasses.field(default_factory=list)

    @property
    def is_workbook(self):
        return self.name is not None
