"""Workflow definitions on the wire (``/v2/workflows``)."""
from wsme import types as wtypes

from mistral_resume.api.types import base

SCOPES = ("private", "public")


class Workflow(base.Resource):
    """A workflow definition; ``input`` is its signature, ``a, b=1``."""

    id = wtypes.text
    name = wtypes.text
    namespace = wtypes.text
    input = wtypes.text
    definition = wtypes.text
    tags = [wtypes.text]
    scope = wtypes.text
    project_id = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text

    @classmethod
    def from_dict(cls, data, exclude=()):
        data = dict(data)
        data["input"] = signature(data.get("input"))
        data["tags"] = list(data.get("tags") or [])
        return super().from_dict(data, exclude)


def signature(value):
    """The stored input signature; a spec's input list formatted like it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    parts = []
    for param in value:
        if isinstance(param, dict):
            parts.extend("%s=%s" % item for item in param.items())
        else:
            parts.append(str(param))
    return ", ".join(parts)


class Workflows(base.ResourceList):
    _type = "workflows"
    _item = Workflow
    workflows = [Workflow]


SORTABLE = {name: name for name in (
    "id", "name", "namespace", "scope", "project_id", "created_at",
    "updated_at")}
