"""Filling and rendering a resource type by a plan made once per class.

WSME works a resource attribute by attribute through generic code: every
assignment validates through a descriptor, every rendering dispatches
``tojson`` per attribute on the attribute's type. A list of 50 tasks is
~2,000 of those per request, most of them on a string or ``None``, for
which WSME's answer is the value itself. A :class:`Plan` reads the
attributes of a class once and does the same with less: a value that
WSME would keep as it is (``None``, or exactly the attribute's native
type) is stored or rendered as is; every other value (user types,
nested resources, lists, ``Unset``) still goes through WSME, so the
result (values, errors, key order) is WSME's own.
"""
import threading

import wsme.rest.json as wsme_json
from wsme import types as wtypes

# Types whose values WSME neither converts on assignment nor on rendering
# when the value is exactly of that type.
_AS_IS = (str, bool, int, float)

_plans = {}
_lock = threading.Lock()


class Plan:
    """The attributes of one WSME class, with how to set and render each."""

    def __init__(self, cls):
        self.cls = cls
        attrs = wtypes.list_attributes(cls)
        self.names = [attr.name for attr in attrs]
        self.keys = {attr.name: attr.key for attr in attrs}
        # (json name, key, default, native type or None, renderer or None)
        self.render_steps = []
        self.native = {}
        for attr in attrs:
            datatype = attr.datatype
            native = datatype if datatype in _AS_IS else None
            self.native[attr.key] = native
            if native is not None:
                render = None
            elif wtypes.isusertype(datatype) and \
                    datatype.basetype in _AS_IS:
                # WSME: tojson(basetype, tobasetype(value)), and tojson of
                # a native type is the value.
                render = datatype.tobasetype
            else:
                render = _generic(datatype)
            self.render_steps.append(
                (attr.name, attr.key, attr.default, render))

    def fill(self, obj, key, value):
        """``setattr(obj, key, value)``, without WSME's validation where
        it would keep ``value`` as it is."""
        native = self.native.get(key)
        if value is None or (native is not None and type(value) is native):
            setattr(_holder(obj), key, value)
        else:
            setattr(obj, key, value)

    def tojson(self, value):
        """WSME's ``tojson(cls, value)``."""
        if value is None:
            return None
        if type(value) is not self.cls:
            return wsme_json.tojson.default(self.cls, value)
        holder = _holder(value)
        result = {}
        for name, key, default, render in self.render_steps:
            item = getattr(holder, key, default)
            if item is not wtypes.Unset:
                # WSME renders None as None whatever the type (a user
                # type's tobasetype is not asked).
                result[name] = item if render is None or item is None \
                    else render(item)
        return result


def _generic(datatype):
    def render(value):
        return wsme_json.tojson(datatype, value)
    return render


def _holder(obj):
    holder = getattr(obj, "_wsme_dataholder", None)
    if holder is None:
        holder = obj._wsme_DataHolderClass()
        obj._wsme_dataholder = holder
    return holder


def plan_of(cls):
    """The plan of ``cls`` (made at its first use, when WSME has resolved
    the attribute types)."""
    try:
        return _plans[cls]
    except KeyError:
        pass
    with _lock:
        if cls not in _plans:
            _plans[cls] = Plan(cls)
        return _plans[cls]


def register(cls):
    """Render ``cls`` through its plan wherever WSME renders it."""
    @wsme_json.tojson.when_object(cls)
    def tojson(datatype, value):
        return plan_of(datatype).tojson(value)
