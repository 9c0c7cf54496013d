"""Actions on the wire (``/v2/actions``): what the registry offers."""
from wsme import types as wtypes

from mistral_resume.api.types import base


class Action(base.Resource):
    """An action; its ``id`` is its name, ``input`` its signature."""

    id = wtypes.text
    name = wtypes.text
    namespace = wtypes.text
    is_system = bool
    input = wtypes.text
    description = wtypes.text
    tags = [wtypes.text]
    definition = wtypes.text
    scope = wtypes.text
    project_id = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text

    @classmethod
    def from_dict(cls, data, exclude=()):
        data = dict(data)
        data.setdefault("id", data.get("name"))
        data["namespace"] = data.get("namespace") or ""
        data["tags"] = list(data.get("tags") or [])
        return super().from_dict(data, exclude)


class Actions(base.ResourceList):
    _type = "actions"
    _item = Action
    actions = [Action]


SORTABLE = {field: field for field in (
    "name", "id", "is_system", "description", "scope", "namespace")}
