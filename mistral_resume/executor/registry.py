"""Which action names exist, and running one by name.

Actions come from entry points: ours (``mistral_resume.actions``) and
Mistral's own group (``mistral.actions``), so a custom action package
written for Mistral plugs in unchanged.
"""
import functools
import importlib.metadata
import inspect
import logging

from mistral_lib.actions import context as lib_context
from mistral_lib.actions import types as lib_types

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


def signature(cls):
    """Mistral's ``input`` string for an action class: ``a, b=1``."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    parts = []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        parts.append(p.name if p.default is p.empty
                     else "%s=%r" % (p.name, p.default))
    return ", ".join(parts)


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


def run(name, action_input, ctx, execution):
    """Run an action.

    :returns: ``{"data": ..., "error": ...}``, or None for an asynchronous
        action (its result comes later through the API).
    """
    cls = load().get(name)
    if cls is None:
        return {"data": None, "error": "Action not found: %s" % name}
    try:
        action = cls(**(action_input or {}))
    except TypeError as e:
        return {"data": None, "error": "Invalid input for action %s: %s"
                % (name, e)}
    try:
        result = action.run(action_context(ctx, execution or {}))
    except Exception as e:  # the action's failure is its result
        return {"data": None, "error": "%s: %s" % (type(e).__name__, e)
                if not str(e) else str(e)}
    if not action.is_sync():
        return None
    if isinstance(result, lib_types.Result):
        return {"data": result.data, "error": result.error}
    return {"data": result, "error": None}
