"""Environments: named variables that ``params.env`` may name at start.

Engine-side writes of ``/v2/environments`` (Mistral's resource): a name is
unique per project; an execution started with ``params.env`` set to a name
gets a copy of the variables (``engine/lifecycle.py``), so later changes to
the environment do not reach running executions.
"""
import sqlalchemy as sa

from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import models

SCOPES = ("private", "public")
_FIELDS = ("description", "variables", "scope")


def _own(session, name, project_id):
    model = models.Environment
    return session.execute(sa.select(model).where(
        model.name == name, model.project_id == project_id)
    ).scalar_one_or_none()


def _check(values):
    scope = values.get("scope")
    if scope is not None and scope not in SCOPES:
        raise exc.InputError("Scope must be one of the following: %s; "
                             "actual: %s" % (", ".join(SCOPES), scope))
    variables = values.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise exc.InputError("'variables' must be a JSON object")


def create(uow, name, **values):
    """:raises: InputError (400), DuplicateEntry (409)."""
    if not name:
        raise exc.InputError("An environment needs a name")
    _check(values)
    if _own(uow.session, name, uow.ctx.project_id) is not None:
        raise exc.DuplicateEntry("Environment '%s' already exists" % name)
    row = models.Environment(
        id=models.new_id(), name=name, project_id=uow.ctx.project_id,
        description=values.get("description"),
        variables=values.get("variables") or {},
        scope=values.get("scope") or "private")
    uow.session.add(row)
    db_api.flush_or_conflict(uow.session, "Environment '%s'" % name)
    return row


def update(uow, name, **values):
    """Change the given fields of the project's environment ``name``.

    :raises: NotFound, InputError.
    """
    _check(values)
    row = _own(uow.session, name, uow.ctx.project_id)
    if row is None:
        raise exc.NotFound("Environment not found [name=%s]" % name)
    for field in _FIELDS:
        if values.get(field) is not None:
            setattr(row, field, values[field])
    row.updated_at = models.utcnow()
    uow.session.flush()
    return row


def delete(uow, name):
    """:raises: NotFound."""
    row = _own(uow.session, name, uow.ctx.project_id)
    if row is None:
        raise exc.NotFound("Environment not found [name=%s]" % name)
    uow.session.delete(row)
