"""Ad hoc action definitions: a ``base`` action run with ``base-input``.

How Mistral 23 runs one (mistral/actions/adhoc.py): the action execution
keeps the ad hoc action's name and the input the task gave it; what runs
is the base action, its input being ``base-input`` evaluated against that
input (defaults applied; the task's context beneath it); its result, when
it succeeds, goes through the ad hoc action's ``output`` (``$`` is the
base result). A base may be another ad hoc action: the chain unwinds to a
registered action, and the outputs apply innermost first.

The engine expands the name when the task starts (``expand``): the
executor only ever sees registered actions, and the output transforms are
stored on the action execution (``adhoc_outputs``) so that a workbook
updated meanwhile does not change a running action.
"""
import collections

import sqlalchemy as sa

from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume.engine import definitions
from mistral_resume.engine import workbooks
from mistral_resume.executor import registry
from mistral_resume.expressions import base as expr
from mistral_resume.spec import models as spec_models
from mistral_resume.spec import parser

# name: what the action execution is called; base/base_input: what the
# executor runs; outputs: None for a registered action, else the list of
# output transforms to apply to the base's result.
Expansion = collections.namedtuple("Expansion",
                                   "name base base_input outputs")

# Deeper chains than this are taken for a cycle.
MAX_DEPTH = 10


def find(session, name, namespace, project_id):
    """The ad hoc action ``name``: in ``namespace``, else the default one;
    the project's own before a public one. None when there is none."""
    model = models.ActionDefinition
    spaces = [namespace or ""] + ([""] if namespace else [])
    for space in spaces:
        query = sa.select(model).where(model.name == name,
                                       model.namespace == space)
        if project_id is not None:
            query = query.where(sa.or_(model.project_id == project_id,
                                       model.scope == "public"))
        rows = session.execute(query).scalars().all()
        if rows:
            rows.sort(key=lambda r: r.project_id != project_id)
            return rows[0]
    return None


def save(uow, definition, namespace, scope, known_action, update=False):
    """Create (or, with ``update``, replace) standalone ad hoc actions.

    :raises: DSLParsingError (400), DuplicateEntry (409: it exists, or a
        workbook owns it), NotFound (an update of none).
    """
    specs = parser.parse_actions(definition, known_action=known_action)
    namespace = namespace or ""
    model = models.ActionDefinition
    rows = []
    for name, spec in specs.items():
        if registry.has(name):
            raise exc.DuplicateEntry("Action '%s' already exists (a system "
                                     "action)" % name)
        row = uow.session.execute(sa.select(model).where(
            model.name == name, model.namespace == namespace,
            model.project_id == uow.ctx.project_id)).scalar_one_or_none()
        if row is not None and (not update or row.workbook_name):
            raise exc.DuplicateEntry(
                "Action '%s' already exists in namespace '%s'%s" % (
                    name, namespace, " (workbook %s)" % row.workbook_name
                    if row.workbook_name else ""))
        if row is None:
            if update:
                raise exc.NotFound("Action not found [name=%s, namespace="
                                   "%s]" % (name, namespace))
            row = models.ActionDefinition(
                id=models.new_id(), name=name, namespace=namespace,
                project_id=uow.ctx.project_id)
            uow.session.add(row)
        row.definition = definition
        row.spec = spec.to_dict()
        row.input = definitions.input_signature(spec)
        row.description = spec.description
        row.tags = list(spec.tags or [])
        row.scope = scope or row.scope or "private"
        rows.append(row)
    db_api.flush_or_conflict(uow.session, "Action definition")
    return rows


def delete(uow, name, namespace):
    """Delete a standalone ad hoc action (a workbook's goes with it).

    :raises: NotFound, InputError (a system or a workbook's action).
    """
    if registry.has(name):
        raise exc.InputError("Attempt to delete a system action: %s" % name)
    model = models.ActionDefinition
    row = uow.session.execute(sa.select(model).where(
        model.name == name, model.namespace == (namespace or ""),
        model.project_id == uow.ctx.project_id)).scalar_one_or_none()
    if row is None:
        raise exc.NotFound("Action not found [name=%s, namespace=%s]"
                           % (name, namespace or ""))
    if row.workbook_name:
        raise exc.InputError("Action %s belongs to workbook %s: update or "
                             "delete the workbook" % (name,
                                                      row.workbook_name))
    uow.session.delete(row)


def known(session, namespace, project_id):
    """``known_action(name)`` for the spec parser: registered or ad hoc."""
    def check(name):
        return registry.has(name) or find(session, name, namespace,
                                          project_id) is not None
    return check


def _resolve(session, name, namespace, project_id, wf_name, wf_spec_name):
    """(full name, ad hoc row or None) of ``name`` used in ``wf_name``."""
    for candidate in workbooks.local_names(name, wf_name, wf_spec_name):
        if registry.has(candidate):
            return candidate, None
        row = find(session, candidate, namespace, project_id)
        if row is not None:
            return candidate, row
    return name, None


def _with_defaults(name, spec, given):
    params = dict(given or {})
    declared = [p for p, _ in spec.input]
    missing = [p for p, default in spec.input
               if default is spec_models.NO_DEFAULT and p not in params]
    unexpected = [p for p in params if p not in declared]
    if missing or unexpected:
        msg = "Invalid input [name=%s, class=AdHocAction" % name
        if missing:
            msg += ", missing=%s" % missing
        if unexpected:
            msg += ", unexpected=%s" % unexpected
        raise exc.InputError(msg + "]")
    for p, default in spec.input:
        if p not in params:
            params[p] = default
    return params


def expand(session, name, action_input, data, lookup, namespace,
           project_id, wf_name=None, wf_spec_name=None):
    """What runs for action ``name`` called by a task of workflow
    ``wf_name`` (None: an ad hoc run, outside any workflow).

    ``data`` and ``lookup`` are callables (only an ad hoc action needs the
    task's context, a column loaded on demand).

    :returns: ``Expansion``; a registered (or unknown) name is returned as
        it is, the executor reporting an unknown one.
    :raises: InputError (bad input, a cycle), ExpressionError.
    """
    full, row = _resolve(session, name, namespace, project_id, wf_name,
                         wf_spec_name)
    if row is None:
        return Expansion(full, full, action_input, None)
    outputs = []
    current_input = action_input
    data, lookup = data(), lookup()
    for _ in range(MAX_DEPTH):
        spec = spec_models.ActionSpec.from_dict(row.spec)
        params = _with_defaults(row.name, spec, current_input)
        context = dict(data or {})
        context.update(params)
        current_input = expr.evaluate_recursively(spec.base_input or {},
                                                  context, lookup)
        if not isinstance(current_input, dict):
            raise exc.ExpressionError(
                "Ad hoc action %s: base-input must give a mapping, got %r"
                % (row.name, current_input))
        if spec.output is not None:
            outputs.append(spec.output)
        base = expr.evaluate(spec.base, context, lookup)
        # A workbook action's base may be a sibling, by its short name.
        owner = row.workbook_name
        base_full, row = _resolve(
            session, base, row.namespace, project_id,
            "%s.x" % owner if owner else None, "x" if owner else None)
        if row is None:
            return Expansion(full, base_full, current_input,
                             list(reversed(outputs)))
    raise exc.InputError("Ad hoc action %s: its base actions nest deeper "
                         "than %d (a cycle?)" % (full, MAX_DEPTH))


def transform(outputs, result, lookup=None):
    """The base action's ``{"data", "error"}`` through ``outputs``.

    An error passes unchanged; a failing transform is the action's error.
    """
    if result.get("error") is not None or not outputs:
        return result
    data = result.get("data")
    try:
        for output in outputs:
            data = expr.evaluate_recursively(output, data, lookup)
    except exc.ExpressionError as e:
        return {"data": None, "error": str(e)}
    return {"data": data, "error": None}
