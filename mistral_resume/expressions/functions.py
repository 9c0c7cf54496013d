"""Mistral's expression functions, shared by YAQL and Jinja.

Each function takes a :class:`Scope` first (what the expression sees: the
data context and the engine's lookup), then the arguments a workflow author
writes, with Mistral 23's names and defaults. ``yaql_eval`` and
``jinja_eval`` adapt them to their language; nothing here imports either.

Functions that read the execution (``env()``, ``execution()``, ``task()``,
``tasks()``, ``executions()``, ``global()``) ask a :class:`Lookup`, which the
engine subclasses; a bare ``Lookup`` answers "not available here".
"""

import collections.abc
import copy

from oslo_serialization import jsonutils
from oslo_utils import uuidutils
import yaml

from mistral_resume import exceptions as exc
from mistral_resume.expressions import checks
from mistral_resume.expressions import watchdog

# Task types as Mistral stores them in a task execution's ``type``.
ACTION_TASK_TYPE = "ACTION"
WORKFLOW_TASK_TYPE = "WORKFLOW"


def to_plain(value):
    """Copy ``value`` into JSON-like Python: dicts, lists and scalars.

    YAQL hands functions frozen dicts and tuples, and Jinja can yield
    generators and dict views; storage and ``json``/``yaml`` want plain data.
    Sets become lists, as Mistral's JSON serializer turns them.
    """
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, collections.abc.Mapping):
        return {to_plain(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset,
                          collections.abc.MappingView,
                          collections.abc.Iterator)):
        return [to_plain(v) for v in value]
    return value


def cut(value, length=200):
    """``str(value)`` cut to ``length`` characters, for error messages.

    The data context can be large and hold secrets: a message shows its start.
    """
    text = str(value)
    if len(text) <= length:
        return text
    return text[:length] + "..."


class Lookup:
    """What the engine lets expressions read; every method is "not available".

    The engine subclasses this per evaluation (one task, one execution) and
    overrides what it can answer. Methods return plain, JSON-like data; an
    exception other than ``ExpressionError`` (a database error, say) is not
    the expression's fault: it propagates out of ``base.evaluate`` as is.
    """

    def _unavailable(self, function):
        raise exc.ExpressionError(
            "Function '%s' is not available here (no workflow execution in"
            " scope)" % function)

    def execution(self):
        """The current workflow execution for ``execution()``.

        :returns: dict with ``id``, ``name``, ``spec``, ``input``, ``params``,
            ``state``, ``created_at``, ``updated_at``, ``root_execution_id``,
            ``task_execution_id``...
        """
        self._unavailable("execution")

    def env(self):
        """The environment of the root execution, for ``env()``: a dict."""
        self._unavailable("env")

    def task(self, name=None):
        """Mistral's ``task(name)`` result, or None when there is no such task.

        ``name`` None means the task being evaluated. A name resolves to the
        newest task execution of that name in the current workflow execution.

        :returns: dict with ``id``, ``name``, ``spec``, ``state``,
            ``state_info``, ``result``, ``published``, ``type``,
            ``workflow_execution_id``, ``created_at``, ``updated_at``.
        """
        self._unavailable("task")

    def tasks(self, workflow_execution_id=None, recursive=False, state=None,
              flat=False):
        """Task executions for ``tasks()``: a list of ``task()``-like dicts.

        No ``workflow_execution_id`` means every task execution; ``recursive``
        adds those of sub-workflows; ``state`` filters by state; ``flat``
        keeps action tasks and workflow tasks whose sub-workflow ended in
        another state than the task.
        """
        self._unavailable("tasks")

    def executions(self, id=None, root_execution_id=None, state=None,
                   from_time=None, to_time=None):
        """Workflow executions for ``executions()``: a list of dicts.

        ``from_time`` (inclusive) and ``to_time`` (exclusive) bound
        ``created_at``, written ``YYYY-MM-DD hh:mm:ss``.
        """
        self._unavailable("executions")

    def global_vars(self):
        """The root execution's global variables, for ``global(name)``."""
        self._unavailable("global")


class DictLookup(Lookup):
    """A :class:`Lookup` over plain data: for tests and offline evaluation.

    :param execution: the current execution dict (``execution()``).
    :param env: the environment dict.
    :param tasks: task dicts in creation order (this execution's and, for
        ``recursive``, those of sub-workflow executions).
    :param global_vars: the global variables dict.
    :param current_task: name of the task being evaluated (``task()``).
    :param executions: other execution dicts (``id``, ``task_execution_id``,
        ``root_execution_id``, ``state``, ``created_at``), for sub-workflows
        and ``executions()``.
    """

    def __init__(self, execution=None, env=None, tasks=(), global_vars=None,
                 current_task=None, executions=()):
        self._execution = execution
        self._env = env
        self._tasks = list(tasks)
        self._global_vars = global_vars
        self._current_task = current_task
        self._executions = list(executions)

    def execution(self):
        if self._execution is None:
            return super().execution()
        return copy.deepcopy(self._execution)

    def env(self):
        return copy.deepcopy(self._env or {})

    def global_vars(self):
        return copy.deepcopy(self._global_vars or {})

    def task(self, name=None):
        name = name or self._current_task
        if name is None:
            return None
        wf_ex_id = (self._execution or {}).get("id")
        for task in reversed(self._tasks):
            if task.get("name") != name:
                continue
            if wf_ex_id and task.get("workflow_execution_id") not in (
                    None, wf_ex_id):
                continue
            return copy.deepcopy(task)
        return None

    def tasks(self, workflow_execution_id=None, recursive=False, state=None,
              flat=False):
        return copy.deepcopy(
            self._select_tasks(workflow_execution_id, recursive, state, flat))

    def _select_tasks(self, wf_ex_id, recursive, state, flat):
        found = [t for t in self._tasks
                 if not wf_ex_id or t.get("workflow_execution_id") == wf_ex_id]
        nested = []
        if recursive and wf_ex_id:
            for task in found:
                if task.get("type") == WORKFLOW_TASK_TYPE:
                    for child in self._children(task):
                        nested.extend(self._select_tasks(
                            child["id"], recursive, state, flat))
        if state:
            found = [t for t in found if t.get("state") == state]
        if flat:
            found = [t for t in found if self._is_flat(t)]
        return found + nested

    def _children(self, task):
        return [e for e in self._executions
                if e.get("task_execution_id") == task.get("id")]

    def _is_flat(self, task):
        if task.get("type") == ACTION_TASK_TYPE:
            return True
        return all(child.get("state") != task.get("state")
                   for child in self._children(task))

    def executions(self, id=None, root_execution_id=None, state=None,
                   from_time=None, to_time=None):
        every = ([self._execution] if self._execution else [])
        every += [e for e in self._executions if e is not self._execution]
        wanted = [
            e for e in every
            if (id is None or e.get("id") == id)
            and (root_execution_id is None
                 or e.get("root_execution_id") == root_execution_id)
            and (state is None or e.get("state") == state)
            and (from_time is None
                 or str(e.get("created_at")) >= str(from_time))
            and (to_time is None or str(e.get("created_at")) < str(to_time))
        ]
        return copy.deepcopy(wanted)


class LookupFailure(Exception):
    """Carries an engine-side error out of the expression language.

    A lookup that fails for a reason other than the expression (a database
    deadlock, a lost connection) must reach the engine as itself, so that its
    unit of work can roll back and retry, instead of failing the task with an
    ``ExpressionError``. The evaluators re-raise ``original``.
    """

    def __init__(self, original):
        super().__init__(str(original))
        self.original = original


class Scope:
    """What one evaluation sees: the data context and the lookup."""

    __slots__ = ("data", "lookup")

    def __init__(self, data, lookup=None):
        self.data = data
        self.lookup = lookup if lookup is not None else Lookup()

    def ask(self, method, *args):
        """Call ``lookup.<method>(*args)``, wrapping engine-side errors."""
        try:
            with watchdog.paused():
                return getattr(self.lookup, method)(*args)
        except exc.ExpressionError:
            raise
        except Exception as e:
            raise LookupFailure(e) from e


# The functions below are what expressions call. Argument names and defaults
# are Mistral 23's (mistral/expressions/std_functions.py).

def env(scope):
    return scope.ask("env")


def execution(scope):
    return scope.ask("execution")


def executions(scope, id=None, root_execution_id=None, state=None,
               from_time=None, to_time=None):
    return scope.ask("executions", id, root_execution_id, state, from_time,
                     to_time)


def task(scope, task_name=None):
    return scope.ask("task", task_name)


def tasks(scope, workflow_execution_id=None, recursive=False, state=None,
          flat=False):
    return scope.ask("tasks", workflow_execution_id, bool(recursive), state,
                     bool(flat))


def global_(scope, var_name):
    return (scope.ask("global_vars") or {}).get(var_name)


def json_pp(scope, data=None):
    """Pretty JSON with real line breaks inside strings (deprecated in
    Mistral, kept for old workflows). No argument: the whole data context."""
    value = scope.data if data is None else data
    checks.value(value, "the data to dump")
    text = jsonutils.dumps(to_plain(value), indent=4)
    return text.replace("\\n", "\n").replace(" \n", "\n")


def json_dump(scope, data):
    checks.value(data, "the data to dump")
    return jsonutils.dumps(to_plain(data), indent=4)


def json_parse(scope, data):
    return jsonutils.loads(data)


def yaml_dump(scope, data):
    checks.value(data, "the data to dump")
    return yaml.safe_dump(to_plain(data), default_flow_style=False)


def yaml_parse(scope, data):
    """``yaml.safe_load``, aliases that expand too far refused."""
    return checks.yaml_load(data)


def uuid(scope=None):
    return uuidutils.generate_uuid()


# Expression name -> function, in both languages.
FUNCTIONS = {
    "env": env,
    "execution": execution,
    "executions": executions,
    "global": global_,
    "json_dump": json_dump,
    "json_parse": json_parse,
    "json_pp": json_pp,
    "task": task,
    "tasks": tasks,
    "uuid": uuid,
    "yaml_dump": yaml_dump,
    "yaml_parse": yaml_parse,
}

# Functions that Jinja also offers as filters, the piped value as ``data``
# (``{{ _.x | json_dump }}``).
DATA_FILTERS = ("json_dump", "json_parse", "json_pp", "yaml_dump",
                "yaml_parse")
