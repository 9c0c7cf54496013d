"""How data moves between tasks: pure functions over plain dicts.

A task sees the data its trigger left (``in_context``); what it publishes
is merged over that for its successors; the workflow's final data is the
merge of its end tasks' outbound data.
"""
import copy

from mistral_resume import exceptions as exc
from mistral_resume.expressions import base as expr
from mistral_resume.spec import models as spec_models
from mistral_resume.workflow import statuses as st


def merge(*dicts):
    """Later dicts win, nested dicts merge (Mistral's ``merge_dicts``)."""
    result = {}
    for d in dicts:
        for key, value in (d or {}).items():
            if isinstance(value, dict) and isinstance(result.get(key), dict):
                result[key] = merge(result[key], value)
            else:
                result[key] = copy.deepcopy(value)
    return result


def outbound(in_context, published):
    return merge(in_context, published)


def initial_context(wf_spec, wf_input, lookup):
    """Input, then ``vars`` evaluated over it: what start tasks see.

    :raises: ExpressionError if a var cannot be evaluated.
    """
    data = copy.deepcopy(wf_input or {})
    if wf_spec.vars:
        data = merge(data, expr.evaluate_recursively(wf_spec.vars, data,
                                                     lookup))
    return data


def workflow_input(wf_spec, given):
    """Defaults applied, unknown and missing names refused.

    :raises: WorkflowInputError naming what to fix.
    """
    given = dict(given or {})
    declared = [name for name, _ in wf_spec.input]
    unexpected = sorted(set(given) - set(declared))
    missing = [name for name, default in wf_spec.input
               if name not in given and default is spec_models.NO_DEFAULT]
    problems = []
    if missing:
        problems.append("missing: %s" % ", ".join(missing))
    if unexpected:
        problems.append("unexpected: %s" % ", ".join(unexpected))
    if problems:
        raise exc.WorkflowInputError(
            "Invalid input for workflow '%s' (%s); declared input: [%s]"
            % (wf_spec.name, "; ".join(problems), ", ".join(declared)))
    result = {}
    for name, default in wf_spec.input:
        result[name] = given[name] if name in given else copy.deepcopy(
            default)
    return result


def task_input(task_spec, data, lookup):
    """The task's action (or sub-workflow) input, evaluated.

    :raises: ExpressionError, also for an ``input: <% ... %>`` that gives
        no mapping (Mistral: "Wrong dynamic input for task").
    """
    value = expr.evaluate_recursively(task_spec.input or {}, data, lookup)
    if not isinstance(value, dict):
        raise exc.ExpressionError(
            "Wrong dynamic input for task: %s. Dict type is expected. "
            "Actual type: %s. Actual value: %s"
            % (task_spec.name, type(value).__name__, value))
    return value


_PUBLISH_CLAUSE = {
    st.SUCCESS: "publish",
    st.ERROR: "publish_on_error",
    st.SKIPPED: "publish_on_skip",
}


# The on-* clause whose advanced 'publish' applies in a state, besides
# on-complete's (Mistral 23's DirectWorkflowTaskSpec.get_publish).
_ON_CLAUSE = {
    st.SUCCESS: "on_success",
    st.ERROR: "on_error",
    st.SKIPPED: "on_skip",
}


def _advanced(task_spec, state, scope):
    """The ``scope`` part of the advanced publish that applies in ``state``:
    the state's clause, then the plain publish and on-complete over it."""
    if state not in _ON_CLAUSE:
        return {}, {}
    advanced = getattr(task_spec, "advanced_publish", None) or {}
    clause = (advanced.get(_ON_CLAUSE[state]) or {}).get(scope) or {}
    complete = (advanced.get("on_complete") or {}).get(scope) or {}
    return clause, complete


def publish(task_spec, state, data, lookup):
    """Variables the task publishes on finishing in ``state``: ``publish``
    (or publish-on-error/-on-skip) and the advanced publish's ``branch``.

    :raises: ExpressionError.
    """
    clause = getattr(task_spec, _PUBLISH_CLAUSE.get(state, ""), None) or {}
    if state in _ON_CLAUSE and getattr(task_spec, "advanced_publish", None):
        on_clause, on_complete = _advanced(task_spec, state, "branch")
        clause = dict(on_clause, **clause)
        clause.update(on_complete)
    return expr.evaluate_recursively(clause, data, lookup)


def publish_global(task_spec, state, data, lookup):
    """The advanced publish's ``global`` variables, for ``global()``.

    :raises: ExpressionError.
    """
    if state not in _ON_CLAUSE or not getattr(task_spec, "advanced_publish",
                                              None):
        return {}
    on_clause, on_complete = _advanced(task_spec, state, "global")
    return expr.evaluate_recursively(dict(on_clause, **on_complete), data,
                                     lookup)


def workflow_output(clause, final_context, lookup):
    """The workflow's output; the final data itself if that is empty.

    Mistral 23 returns the whole final context when ``output`` is absent
    or evaluates to nothing.
    """
    output = None
    if clause is not None:
        output = expr.evaluate_recursively(clause, final_context, lookup)
    return output or final_context
