"""What every resource type shares: wire formats, lists, list queries.

Mistral's wire conventions live here once: datetimes as
``YYYY-MM-DD HH:MM:SS``, user data (input, output, params...) as JSON
*strings*, lists as ``{"<resources>": [...], "next": url}`` with marker
pagination, and 400s for a bad ``limit``, sort key, sort direction, field or
filter value.
"""
import datetime
import json
import urllib.parse

from wsme import exc as wsme_exc
import wsme.rest.json as wsme_json
from wsme import types as wtypes

from mistral_resume.api.types import plans
from mistral_resume.db import listing as db_listing
from mistral_resume import exceptions as exc

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def wire_datetime(value):
    """A datetime (or an ISO string of one) in Mistral's format."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime(DATETIME_FORMAT)


class JsonString(wtypes.UserType):
    """A JSON value that travels as a JSON string, as Mistral sends it.

    Accepted on input as the string or as the value itself (clients do
    both: python-mistralclient sends ``input`` as a string and ``params``
    of an update as an object). ``strict`` refuses a string that is not
    JSON; otherwise such a string is taken as a plain string value (an
    action's ``output: "done"``). ``object_only`` refuses non-objects.
    """

    basetype = wtypes.text
    name = "json_string"

    def __init__(self, object_only=False, strict=True):
        self.object_only = object_only
        self.strict = strict

    def validate(self, value):
        if self.object_only and value is not None and not isinstance(
                value, dict):
            raise ValueError("expected a JSON object, got %s"
                             % type(value).__name__)
        return value

    def frombasetype(self, value):
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            if self.strict:
                raise wsme_exc.ClientSideError(
                    "Invalid JSON string: %s" % _cut(value))
            return value

    def tobasetype(self, value):
        return None if value is None else json.dumps(value)


class JsonValue(wtypes.UserType):
    """A JSON value that travels as itself (``comments``, resume requests)."""

    basetype = wtypes.text
    name = "json_value"


json_object = JsonString(object_only=True)
json_any = JsonString(strict=False)
json_value = JsonValue()


def _cut(text, length=80):
    return text if len(text) <= length else text[:length] + "..."


class Resource(wtypes.Base):
    """A resource built from a row or from an engine dict.

    ``_sources`` maps an attribute to the row column or dict key it comes
    from when the names differ (``workflow_name`` <- ``name``).
    """

    _sources = {}
    _datetimes = ("created_at", "updated_at", "started_at", "finished_at")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        plans.register(cls)

    @classmethod
    def fields(cls):
        return list(plans.plan_of(cls).names)

    @classmethod
    def column_of(cls, field):
        return cls._sources.get(field, field)

    @classmethod
    def from_dict(cls, data, exclude=()):
        """Every field set (``null`` when absent) but those in ``exclude``."""
        obj = cls()
        plan = plans.plan_of(cls)
        for field in plan.names:
            if field in exclude:
                continue
            value = data.get(cls.column_of(field))
            if field in cls._datetimes:
                value = wire_datetime(value)
            plan.fill(obj, plan.keys[field], value)
        return obj

    @classmethod
    def from_db(cls, row, exclude=()):
        """Like :meth:`from_dict`; reads only this resource's columns."""
        data = {}
        for field, column in _columns(cls, type(row)):
            if field not in exclude:
                data[column] = getattr(row, column)
        return cls.from_dict(data, exclude)

    def as_json(self):
        """This resource as WSME renders it: a JSON-ready dict."""
        return wsme_json.tojson(type(self), self)

    def only(self, fields):
        """Keep ``fields`` (Mistral's ``?fields=``); drop the rest."""
        if fields:
            for field in self.fields():
                if field not in fields:
                    setattr(self, field, wtypes.Unset)
        return self


_COLUMNS = {}


def _columns(resource, model):
    """``[(field, column)]`` of the ``resource`` fields ``model`` has."""
    try:
        return _COLUMNS[resource, model]
    except KeyError:
        pass
    columns = _COLUMNS[resource, model] = [
        (field, resource.column_of(field)) for field in resource.fields()
        if hasattr(model, resource.column_of(field))]
    return columns


class ResourceList(Resource):
    """``{"<type>": [...], "next": url}``; ``next`` only when a page is full.

    Subclasses set ``_type`` and ``_item`` and declare the ``<type>``
    attribute.
    """

    _type = None
    _item = None
    next = wtypes.text

    @classmethod
    def read_page(cls, db, model, query, filters, project_id, url,
                  exclude=()):
        """One repository read: the page of ``model`` rows ``query`` asks."""
        filters = {k: v for k, v in filters.items() if v is not None}
        with db.reading() as session:
            rows = db_listing.list_rows(
                session, model, filters, project_id, query.limit,
                query.marker, query.columns, query.sort_dirs)
            items = [cls._item.from_db(row, exclude).only(query.fields)
                     for row in rows]
        return cls.build(items, query, url)

    @classmethod
    def build(cls, items, query, url):
        result = cls()
        setattr(result, cls._type, items)
        if query.limit and len(items) == query.limit:
            result.next = query.next_url(url, items[-1].id)
        return result


class ListQuery:
    """Validated pagination of a list request.

    ``sortable`` maps the resource fields a client may sort on to columns.
    :raises: InputError (400) for any bad value.
    """

    def __init__(self, resource, sortable, max_limit, marker=None,
                 limit=None, sort_keys=None, sort_dirs=None, fields=None,
                 filters=None, default_sort="created_at"):
        if limit is not None and limit <= 0:
            raise exc.InputError("Limit must be positive, got %s" % limit)
        self.limit = min(limit or max_limit, max_limit)
        self.marker = marker or None
        keys = split(sort_keys) or [default_sort]
        dirs = [d.lower() for d in split(sort_dirs)]
        unknown = [k for k in keys if k not in sortable]
        if unknown:
            raise exc.InputError(
                "Unknown sort key(s): %s. Allowed: %s"
                % (", ".join(unknown), ", ".join(sorted(sortable))))
        if len(dirs) > len(keys):
            raise exc.InputError("Length of sort_keys must be equal or "
                                 "greater than sort_dirs.")
        bad_dirs = [d for d in dirs if d not in ("asc", "desc")]
        if bad_dirs:
            raise exc.InputError("Unknown sort direction %s, must be 'desc' "
                                 "or 'asc'." % ", ".join(bad_dirs))
        dirs += ["asc"] * (len(keys) - len(dirs))
        self.sort_keys, self.sort_dirs = keys, dirs
        self.columns = [sortable[k] for k in keys]
        self.fields = split(fields)
        invalid = [f for f in self.fields if f not in resource.fields()]
        if invalid:
            raise exc.InputError("Field(s) %s are invalid."
                                 % ", ".join(invalid))
        if self.fields and "id" not in self.fields:
            self.fields.insert(0, "id")
        # The client's own filter values, repeated in the ``next`` link.
        self.filters = {k: v for k, v in (filters or {}).items()
                        if v is not None}

    def next_url(self, url, marker):
        params = dict(self.filters, sort_keys=",".join(self.sort_keys),
                      sort_dirs=",".join(self.sort_dirs))
        if self.fields:
            params["fields"] = ",".join(self.fields)
        params.update(limit=self.limit, marker=marker)
        return "%s?%s" % (url, urllib.parse.urlencode(params))


def split(value):
    if not value:
        return []
    return [v.strip() for v in str(value).split(",") if v.strip()]


def parse_filter(name, raw, allowed=None, convert=None):
    """A filter value from the query string, Mistral's ``eq:``/``in:`` too.

    :returns: None, a value, or a list (``in:a,b``) for ``db.api.list_rows``.
    :raises: InputError for an operator we do not support or a value not
        in ``allowed``.
    """
    if raw is None or raw == "":
        return None
    op, sep, rest = str(raw).partition(":")
    if sep and op in ("eq", "in"):
        values = split(rest) if op == "in" else [rest]
    elif sep and op in ("neq", "nin", "gt", "gte", "lt", "lte", "has"):
        raise exc.InputError("Filter operator '%s' is not supported for "
                             "%s; use eq: or in:" % (op, name))
    else:
        values = [str(raw)]
    if allowed is not None:
        bad = [v for v in values if v not in allowed]
        if bad:
            raise exc.InputError(
                "Invalid %s %s; expected one of %s"
                % (name, ", ".join(repr(b) for b in bad),
                   ", ".join(allowed)))
    if convert is not None:
        values = [convert(name, v) for v in values]
    if sep and op == "in":
        return values
    return values[0]


def as_json(datatype, obj):
    """A typed resource as the plain JSON value WSME would send.

    For routes that answer one of two shapes (a resource, or a dry-run
    plan) and so are exposed as ``json_value``.
    """
    return wsme_json.tojson(datatype, obj)


def check_sizes(limit, fields):
    """Refuse a request field whose JSON form is over ``limit`` bytes.

    ``fields`` maps the name a client knows the field by to its value.
    Checked before anything is stored, so that an oversized value fails
    the request, not the workflow that would carry it.

    :raises: InputError (400) naming the field, its size and the limit.
    """
    for name, value in fields.items():
        value = given(value)
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        size = len(text.encode("utf-8"))
        if size > limit:
            raise exc.InputError(
                "Field '%s' is too large: %d bytes; the limit is %d bytes "
                "([api] max_field_size)" % (name, size, limit))


def resume_fields(resume):
    """The sized fields of a ``resume`` value (one R or a list of R)."""
    entries = resume if isinstance(resume, list) else [resume]
    return {"resume[%d].%s" % (i, key): entry[key]
            for i, entry in enumerate(entries) if isinstance(entry, dict)
            for key in ("input", "output", "items", "env") if key in entry}


def given(value):
    """A body attribute's value, None when the client did not send it."""
    return None if value is wtypes.Unset else value


def to_bool(name, value):
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "t", "yes", "y", "on", "1"):
        return True
    if lowered in ("false", "f", "no", "n", "off", "0"):
        return False
    raise exc.InputError("Invalid value for %s: %r (expected true or false)"
                         % (name, value))
