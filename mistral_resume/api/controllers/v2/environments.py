"""``/v2/environments``: named variables that ``params.env`` may name.

Thin: a write is one engine RPC, a read one repository read.
"""
import pecan
from pecan import rest
from wsme import types as wtypes

from mistral_resume.api import auth
from mistral_resume.api import hooks
from mistral_resume.api.types import base
from mistral_resume.api.types import environments as types
from mistral_resume.db import api as db_api
from mistral_resume.db import models


def _values(body):
    """The fields to store. :raises: InputError for an oversized one."""
    base.check_sizes(pecan.request.conf.api.max_field_size, {
        "variables": body.variables, "description": body.description})
    return {field: base.given(getattr(body, field))
            for field in ("description", "variables", "scope")}


class EnvironmentsController(rest.RestController):
    @hooks.expose(types.Environment, wtypes.text, wtypes.text)
    def get(self, name, fields=None):
        """By name: the project's own, else a public one.

        :raises: NotFound.
        """
        auth.enforce("environments:get")
        ctx = pecan.request.context
        with pecan.request.db.reading() as session:
            row = db_api.find_environment(session, name,
                                          hooks.read_scope(ctx))
            return types.Environment.from_db(row).only(base.split(fields))

    @hooks.expose(types.Environment, body=types.Environment, status_code=201)
    def post(self, body):
        """:raises: InputError (400), DuplicateEntry (409)."""
        auth.enforce("environments:create")
        result = pecan.request.engine.create_environment(
            pecan.request.context, base.given(body.name), _values(body))
        return types.Environment.from_dict(result)

    @hooks.expose(types.Environment, body=types.Environment)
    def put(self, body):
        """Change the given fields of the environment ``body.name``.

        :raises: NotFound, InputError.
        """
        auth.enforce("environments:update")
        result = pecan.request.engine.update_environment(
            pecan.request.context, base.given(body.name), _values(body))
        return types.Environment.from_dict(result)

    @hooks.expose(None, wtypes.text, status_code=204)
    def delete(self, name):
        """:raises: NotFound."""
        auth.enforce("environments:delete")
        pecan.request.engine.delete_environment(pecan.request.context, name)

    @hooks.expose(types.Environments, wtypes.text, int, wtypes.text,
                  wtypes.text, wtypes.text, wtypes.text, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, scope=None):
        """The project's environments, oldest first."""
        auth.enforce("environments:list")
        raw = {"name": name, "scope": scope}
        query = base.ListQuery(
            types.Environment, types.SORTABLE,
            pecan.request.conf.api.max_list_limit, marker=marker,
            limit=limit, sort_keys=sort_keys, sort_dirs=sort_dirs,
            fields=fields, filters=raw)
        filters = {field: base.parse_filter(field, value)
                   for field, value in raw.items()}
        project = hooks.list_scope(pecan.request.context)
        return types.Environments.read_page(
            pecan.request.db, models.Environment, query, filters, project,
            pecan.request.path_url)
