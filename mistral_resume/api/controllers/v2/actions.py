"""``/v2/actions``: the actions the executor's registry offers (read only).

Actions are not rows: the list is sorted, filtered and paged here, with the
action's name as the marker, as Mistral does since its action providers.
"""
import pecan
from pecan import rest
from wsme import types as wtypes

from mistral_resume.api import hooks
from mistral_resume.api.types import actions as types
from mistral_resume.api.types import base
from mistral_resume import exceptions as exc
from mistral_resume.executor import registry


class ActionsController(rest.RestController):
    @hooks.expose(types.Action, wtypes.text, wtypes.text)
    def get(self, identifier, namespace=""):
        """``/v2/actions/{name}[/{namespace}]``.

        :raises: NotFound.
        """
        for data in registry.list_actions():
            if identifier in (data.get("id"), data["name"]):
                return types.Action.from_dict(data)
        raise exc.NotFound("Action not found [name=%s, namespace=%s]"
                           % (identifier, namespace or ""))

    @hooks.expose(types.Actions, wtypes.text, int, wtypes.text, wtypes.text,
                  wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                  wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, is_system=None,
                scope=None, namespace=None):
        query = base.ListQuery(
            types.Action, types.SORTABLE,
            pecan.request.conf.api.max_list_limit, marker=marker,
            limit=limit, sort_keys=sort_keys, sort_dirs=sort_dirs,
            fields=fields, default_sort="name",
            filters={"name": name, "is_system": is_system, "scope": scope,
                     "namespace": namespace})
        wanted = {
            "name": base.parse_filter("name", name),
            "is_system": base.parse_filter("is_system", is_system,
                                           convert=base.to_bool),
            "scope": base.parse_filter("scope", scope),
            "namespace": base.parse_filter("namespace", namespace),
        }
        items = [types.Action.from_dict(data)
                 for data in registry.list_actions()]
        items = [a for a in items if _matches(a, wanted)]
        sort = list(zip(query.sort_keys, query.sort_dirs, strict=True))
        for key, direction in reversed(sort):
            items.sort(key=lambda a, k=key: _sort_value(getattr(a, k)),
                       reverse=direction == "desc")
        if query.marker:
            names = [a.name for a in items]
            if query.marker not in names:
                raise exc.NotFound("Action not found [name=%s]"
                                   % query.marker)
            items = items[names.index(query.marker) + 1:]
        items = [a.only(query.fields) for a in items[:query.limit]]
        # An action's id is its name: the marker of the next page.
        return types.Actions.build(items, query, pecan.request.path_url)


def _matches(action, wanted):
    for key, value in wanted.items():
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        if getattr(action, key) not in values:
            return False
    return True


def _sort_value(value):
    # None first, as a database sorts NULLs on SQLite and MySQL.
    return (value is not None, value if value is not None else "")
