"""Workflow definitions: create, update, delete (engine-side writes)."""
import hashlib
import json

import sqlalchemy as sa

from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume.engine import subworkflows
from mistral_resume.expressions import base as expr
from mistral_resume.spec import models as spec_models
from mistral_resume.spec import parser


def input_signature(wf_spec):
    """Mistral's ``input`` string: ``a, b="x"``."""
    parts = []
    for name, default in wf_spec.input:
        if default is spec_models.NO_DEFAULT:
            parts.append(name)
        else:
            parts.append("%s=%s" % (name, json.dumps(default)))
    return ", ".join(parts)


def _rows_for(uow, definition, namespace, known_action):
    document = parser.parse_document(definition, known_action=known_action)
    if not document.workflows:
        raise exc.DSLParsingError("The document defines no workflow")
    check_subworkflows(uow, document.workflows.values(), namespace,
                       set(document.workflows))
    return document.workflows.values()


def check_subworkflows(uow, wf_specs, namespace, local_names):
    """Refuse a task whose ``workflow:`` names no workflow we know.

    A name is known if the same document defines it or it is stored (in
    the namespace, or the default one); an expression is checked when the
    task runs.

    :raises: DSLParsingError naming the workflow, task and field.
    """
    for wf_spec in wf_specs:
        for task in wf_spec.tasks.values():
            name = task.workflow
            if not name or expr.is_expression(name) or name in local_names:
                continue
            try:
                subworkflows.find_definition(uow.session, name, namespace,
                                             uow.ctx.project_id)
            except exc.NotFound:
                raise exc.DSLParsingError(
                    "Invalid workflow '%s', task '%s', field 'workflow': "
                    "unknown workflow '%s'; define it in the same document "
                    "or create it first" % (wf_spec.name, task.name, name))


def _existing(session, name, namespace, project_id):
    model = models.WorkflowDefinition
    return session.execute(sa.select(model).where(
        model.name == name, model.namespace == namespace,
        model.project_id == project_id)).scalar_one_or_none()


def save(uow, definition, namespace, scope, known_action, update=False):
    """Create (or, with ``update``, create or replace) each workflow.

    :raises: DSLParsingError (400), DuplicateEntry (409).
    """
    checksum = hashlib.sha256(definition.encode()).hexdigest()
    rows = [store(uow, wf_spec, wf_spec.name, definition, namespace, scope,
                  checksum, update)
            for wf_spec in _rows_for(uow, definition, namespace,
                                     known_action)]
    db_api.flush_or_conflict(uow.session, "Workflow definition")
    return rows


def store(uow, wf_spec, name, definition, namespace, scope, checksum,
          update):
    """One workflow row named ``name`` (a workbook's: ``<wb>.<wf>``).

    :raises: DuplicateEntry (409) when it exists and not ``update``.
    """
    row = _existing(uow.session, name, namespace or "", uow.ctx.project_id)
    if row is not None and not update:
        raise exc.DuplicateEntry(
            "Workflow '%s' already exists in namespace '%s'"
            % (name, namespace or ""))
    if row is None:
        row = models.WorkflowDefinition(
            id=models.new_id(), name=name, namespace=namespace or "",
            project_id=uow.ctx.project_id)
        uow.session.add(row)
    row.definition = definition
    row.spec = wf_spec.to_dict()
    row.input = input_signature(wf_spec)
    row.tags = list(wf_spec.tags or [])
    row.scope = scope or row.scope or "private"
    row.checksum = checksum
    return row


def delete(uow, identifier, namespace):
    row = db_api.find_workflow_definition(uow.session, identifier, namespace,
                                          uow.ctx.project_id)
    if row.project_id != uow.ctx.project_id:
        raise exc.NotFound("Workflow not found [workflow_identifier=%s]"
                           % identifier)
    uow.session.delete(row)
