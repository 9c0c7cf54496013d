"""Which action names exist, checking their input, and running one by name.

Actions come from entry points: ours (``mistral_resume.actions``) and
Mistral's own group (``mistral.actions``), so a custom action package
written for Mistral plugs in unchanged: a ``mistral_lib.actions.Action``
subclass gets the ``ActionContext`` (``context.execution.*``,
``context.security.*``), an older action whose ``run()`` takes no argument
is run without one, as Mistral's executor does.
"""
import functools
import importlib.metadata
import inspect
import logging
import threading

from mistral_lib import actions as lib_actions
from mistral_lib.actions import context as lib_context
from mistral_lib.actions import types as lib_types
from mistral_lib.utils import inspect_utils as lib_inspect

from mistral_resume import exceptions as exc

LOG = logging.getLogger(__name__)

GROUPS = ("mistral_resume.actions", "mistral.actions")


@functools.lru_cache(maxsize=1)
def load():
    """``{name: class}`` from the entry points (static per process)."""
    found = {}
    for group in GROUPS:
        for ep in importlib.metadata.entry_points(group=group):
            if ep.name in found:
                continue
            try:
                found[ep.name] = ep.load()
            except Exception:  # a broken plugin must not stop the service
                LOG.exception("Cannot load action %s from %s", ep.name,
                              ep.value)
    return found


def has(name):
    return name in load()


def get(name):
    """The action class of ``name``.

    :raises: InputError (400) naming the action when there is none.
    """
    cls = load().get(name)
    if cls is None:
        raise exc.InputError("Failed to find action [action_name=%s]" % name)
    return cls


def _parameters(cls):
    return list(inspect.signature(cls.__init__).parameters.values())[1:]


def signature(cls):
    """Mistral's ``input`` string for an action class, built as Mistral
    builds it (mistral-lib): ``url, method="GET", params=null``."""
    return lib_inspect.get_arg_list_as_str(cls.__init__)


def class_name(cls):
    return "%s.%s" % (cls.__module__, cls.__name__)


def check_input(name, action_input):
    """Refuse missing or unexpected parameters, as mistral-lib's
    ``check_parameters`` does (and with its message).

    :raises: InputError (400), also for an unknown action.
    """
    cls = get(name)
    params = _parameters(cls)
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return
    given = dict(action_input or {})
    named = [p for p in params if p.kind not in (p.VAR_POSITIONAL,)]
    missing = [p.name for p in named
               if p.default is p.empty and p.name not in given]
    unexpected = [k for k in given if k not in {p.name for p in named}]
    if missing or unexpected:
        msg = "Invalid input [name=%s, class=%s" % (name, class_name(cls))
        if missing:
            msg += ", missing=%s" % missing
        if unexpected:
            msg += ", unexpected=%s" % unexpected
        raise exc.InputError(msg + "]")


def instantiate(name, action_input):
    """A checked instance of the action (no side effects but its ``__init__``).

    :raises: InputError (400) for an unknown action, bad input, or an
        ``__init__`` that refuses the input.
    """
    check_input(name, action_input)
    cls = get(name)
    try:
        return cls(**(action_input or {}))
    except Exception as e:
        raise exc.InputError("Failed to initialize action %s: %s"
                             % (name, _error_message(e))) from None


def list_actions():
    return [{"name": name, "description": (inspect.getdoc(cls) or "")
             .split("\n")[0], "input": signature(cls), "is_system": True,
             "scope": "public", "tags": []}
            for name, cls in sorted(load().items())]


def action_context(ctx, execution):
    security = lib_context.SecurityContext(
        project_id=ctx.project_id, user_name=ctx.user_name,
        auth_token=ctx.auth_token)
    return lib_context.ActionContext(
        security_ctx=security,
        execution_ctx=lib_context.ExecutionContext(
            workflow_execution_id=execution.get("workflow_execution_id"),
            task_execution_id=execution.get("task_execution_id"),
            action_execution_id=execution.get("action_execution_id"),
            workflow_name=execution.get("workflow_name"),
            with_items_index=execution.get("with_items_index") or 0))


class ActionTimeout(Exception):
    pass


def run(name, action_input, ctx, execution, conf=None, timeout=None):
    """Run an action (:func:`prepare`, then :func:`execute`).

    :returns: ``{"data": ..., "error": ...}``, or None for an asynchronous
        action (its result comes later through the API).
    """
    action, failure = prepare(name, action_input, conf)
    if failure is not None:
        return failure
    return execute(action, name, ctx, execution, timeout)


def prepare(name, action_input, conf=None):
    """``(action, None)``: the action made from its input, given ``conf``
    (the executor's configuration) if it takes one (``apply_config``, e.g.
    std.http's egress policy); or ``(None, failure)`` for input it
    refuses, the failure being the action's result."""
    try:
        action = instantiate(name, action_input)
    except exc.InputError as e:
        return None, {"data": None, "error": e.message}
    if conf is not None and hasattr(action, "apply_config"):
        action.apply_config(conf)
    return action, None


def is_async(action):
    return not getattr(action, "is_sync", lambda: True)()


def execute(action, name, ctx, execution, timeout=None):
    """Run a prepared action. ``timeout``: seconds after which the action
    counts as failed (its thread cannot be killed: it runs on, and its
    result is dropped).

    :returns: ``{"data": ..., "error": ...}``, or None for an asynchronous
        action.
    """
    try:
        result = _call(action, action_context(ctx, execution or {}),
                       timeout)
    except ActionTimeout:
        return {"data": None, "error": "Action %s timed out after %s "
                "seconds" % (name, timeout)}
    except Exception as e:  # the action's failure is its result
        return {"data": None, "error": _error_message(e)}
    if is_async(action):
        return None
    if isinstance(result, lib_types.Result):
        return {"data": result.data, "error": result.error}
    return {"data": result, "error": None}


def _call(action, context, timeout):
    def run_it():
        if isinstance(action, lib_actions.Action):
            return action.run(context)
        return action.run()  # a pre-mistral-lib action: no context

    if not timeout:
        return run_it()
    box = {}

    def target():
        try:
            box["result"] = run_it()
        except BaseException as e:  # handed to the waiting thread
            box["error"] = e

    thread = threading.Thread(target=target, daemon=True,
                              name="action-%s" % context.execution
                              .action_execution_id)
    thread.start()
    thread.join(float(timeout))
    if thread.is_alive():
        raise ActionTimeout()
    if "error" in box:
        raise box["error"]
    return box.get("result")


def _error_message(error):
    text = str(error)
    return text if text else type(error).__name__
