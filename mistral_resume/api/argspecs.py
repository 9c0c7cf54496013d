"""pecan's argument lists, read once per controller method.

pecan asks for a controller method's argument list several times per
request (routing a ``RestController``, then dropping query parameters the
method does not take), and each time ``pecan.compat.getargspec`` walks
``inspect.signature`` and builds a new ``namedtuple`` class: about a
quarter of the CPU of a ``GET /v2/executions/<id>``. A method's argument
list never changes once the class is defined, so :func:`install` memoizes
``pecan.util.getargspec`` by the underlying function, in every pecan
module that imported it by name. pecan only reads what it gets back
(``in``, ``len``, slices), so one shared answer is safe.
"""
import threading

from pecan import core as pecan_core
from pecan import rest as pecan_rest
from pecan import routing as pecan_routing
from pecan import util as pecan_util

# The modules that hold ``getargspec`` as a global of their own.
_MODULES = (pecan_util, pecan_core, pecan_rest, pecan_routing)
_lock = threading.Lock()


def memoized(getargspec):
    """``getargspec`` answering from a cache keyed by function."""
    cache = {}

    def cached_getargspec(method):
        # A bound method is a new object on every attribute access; its
        # function is not, and pecan's answer is the function's (``self``
        # included).
        key = getattr(method, "__func__", method)
        try:
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable: not cached
            return getargspec(method)
        argspec = cache[key] = getargspec(method)
        return argspec

    cached_getargspec.uncached = getargspec
    return cached_getargspec


def install():
    """Memoize pecan's ``getargspec`` (once per process; idempotent)."""
    with _lock:
        if hasattr(pecan_util.getargspec, "uncached"):
            return
        cached = memoized(pecan_util.getargspec)
        for module in _MODULES:
            module.getargspec = cached
