"""Environments on the wire (``/v2/environments``), Mistral's resource."""
from wsme import types as wtypes

from mistral_resume.api.types import base

SCOPES = ("private", "public")


class Environment(base.Resource):
    """Also the body of POST and PUT; ``variables`` is a JSON string on the
    way out and a JSON string or an object on the way in."""

    id = wtypes.text
    name = wtypes.StringType(max_length=255)  # the column's size
    description = wtypes.text
    variables = base.json_object
    scope = wtypes.Enum(str, *SCOPES)
    project_id = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text


class Environments(base.ResourceList):
    _type = "environments"
    _item = Environment
    environments = [Environment]


SORTABLE = {field: field for field in (
    "id", "name", "description", "scope", "created_at", "updated_at")}
