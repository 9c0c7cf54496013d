"""Workbooks on the wire (``/v2/workbooks``), Mistral's resource."""
from wsme import types as wtypes

from mistral_resume.api.types import base

SCOPES = ("private", "public")


class Workbook(base.Resource):
    """A workbook; ``definition`` is its YAML document."""

    id = wtypes.text
    name = wtypes.text
    namespace = wtypes.text
    definition = wtypes.text
    tags = [wtypes.text]
    scope = wtypes.text
    project_id = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text

    @classmethod
    def from_dict(cls, data, exclude=()):
        data = dict(data)
        data["tags"] = list(data.get("tags") or [])
        return super().from_dict(data, exclude)


class Workbooks(base.ResourceList):
    _type = "workbooks"
    _item = Workbook
    workbooks = [Workbook]


SORTABLE = {name: name for name in (
    "id", "name", "namespace", "scope", "project_id", "created_at",
    "updated_at")}
