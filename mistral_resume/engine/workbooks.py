"""Workbooks: create, update, delete (engine-side writes), and the naming
rule that lets a workbook's tasks use short names.

A workbook's workflows and ad hoc actions are rows of their own, named
``<workbook>.<name>`` (Mistral's naming), so they run, list and start like
any other. The workbook row keeps the document and its parsed spec, which
names what it owns for an update or a delete.
"""
import hashlib

import sqlalchemy as sa

from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume.engine import definitions
from mistral_resume.spec import parser


def local_names(name, wf_name, wf_spec_name):
    """Names to try for ``name`` used inside workflow ``wf_name``.

    Mistral's rule: a workflow whose stored name differs from its spec
    name (``wb.wf`` vs ``wf``) belongs to workbook ``wb``; there ``x``
    means ``wb.x`` when that exists, else ``x`` itself.
    """
    if (wf_name and wf_spec_name and wf_name != wf_spec_name
            and wf_name.endswith("." + wf_spec_name)):
        return [wf_name[:-len(wf_spec_name)] + name, name]
    return [name]


def parse(definition, known_action):
    """The workbook document.

    :raises: DSLParsingError (400), also for a document with no name.
    """
    document = parser.parse_document(definition, known_action=known_action)
    if not document.is_workbook:
        raise exc.DSLParsingError(
            "Invalid workbook, field 'name': a workbook needs a 'name' "
            "(line 1)")
    return document


def _find(session, name, namespace, project_id):
    model = models.Workbook
    return session.execute(sa.select(model).where(
        model.name == name, model.namespace == (namespace or ""),
        model.project_id == project_id)).scalar_one_or_none()


def save(uow, definition, namespace, scope, known_action, update=False):
    """Create (or, with ``update``, replace) a workbook and its rows.

    :raises: DSLParsingError (400), DuplicateEntry (409), NotFound (an
        update of a workbook that does not exist).
    """
    document = parse(definition, known_action)
    namespace = namespace or ""
    project_id = uow.ctx.project_id
    row = _find(uow.session, document.name, namespace, project_id)
    if row is None and update:
        raise exc.NotFound("Workbook not found [name=%s, namespace=%s]"
                           % (document.name, namespace))
    if row is not None and not update:
        raise exc.DuplicateEntry(
            "Workbook '%s' already exists in namespace '%s'"
            % (document.name, namespace))
    if row is None:
        row = models.Workbook(id=models.new_id(), name=document.name,
                              namespace=namespace, project_id=project_id)
        uow.session.add(row)
        old_workflows = []
    else:
        old_workflows = list((row.spec or {}).get("workflows") or [])
    row.definition = definition
    row.spec = {"workflows": list(document.workflows),
                "actions": list(document.actions)}
    row.tags = list(document.tags or [])
    row.scope = scope or row.scope or "private"
    _save_actions(uow, document, namespace, row.scope)
    checksum = hashlib.sha256(definition.encode()).hexdigest()
    for short, wf_spec in document.workflows.items():
        definitions.store(uow, wf_spec, _full(document.name, short),
                          "version: '2.0'\n\n" + (wf_spec.source or ""),
                          namespace, row.scope, checksum, update)
    _delete_workflows(uow, document.name, namespace,
                      set(old_workflows) - set(document.workflows))
    db_api.flush_or_conflict(uow.session, "Workbook, workflow or action")
    return row


def delete(uow, name, namespace):
    """Delete the workbook, its workflows and its actions.

    :raises: NotFound.
    """
    row = _find(uow.session, name, namespace or "", uow.ctx.project_id)
    if row is None:
        raise exc.NotFound("Workbook not found [name=%s, namespace=%s]"
                           % (name, namespace or ""))
    _delete_workflows(uow, name, namespace or "",
                      (row.spec or {}).get("workflows") or [])
    _delete_actions(uow, name, namespace or "")
    uow.session.delete(row)


def _full(wb_name, name):
    return "%s.%s" % (wb_name, name)


def _save_actions(uow, document, namespace, scope):
    """Replace the workbook's actions (they have no executions of their
    own to keep: an action execution stores its name and input)."""
    _delete_actions(uow, document.name, namespace)
    uow.session.flush()
    for short, spec in document.actions.items():
        uow.session.add(models.ActionDefinition(
            id=models.new_id(), name=_full(document.name, short),
            namespace=namespace, project_id=uow.ctx.project_id,
            spec=spec.to_dict(), input=definitions.input_signature(spec),
            description=spec.description, tags=list(spec.tags or []),
            scope=scope, workbook_name=document.name))


def _delete_actions(uow, wb_name, namespace):
    model = models.ActionDefinition
    uow.session.execute(sa.delete(model).where(
        model.workbook_name == wb_name, model.namespace == namespace,
        model.project_id == uow.ctx.project_id))


def _delete_workflows(uow, wb_name, namespace, short_names):
    names = [_full(wb_name, n) for n in short_names]
    if not names:
        return
    model = models.WorkflowDefinition
    uow.session.execute(sa.delete(model).where(
        model.name.in_(names), model.namespace == namespace,
        model.project_id == uow.ctx.project_id))
