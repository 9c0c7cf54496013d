"""The request context: who asks, for which project.

Built from keystonemiddleware's headers (``X-User-Id``, ``X-Project-Id``,
``X-Roles``) or from fixed no-auth defaults, and carried over RPC so the
engine records who resumed what.
"""
from oslo_context import context as oslo_context
import oslo_messaging

DEFAULT_USER = "<default-user>"
DEFAULT_PROJECT = "<default-project>"


class RequestContext(oslo_context.RequestContext):
    """oslo.context's context with Mistral's no-auth defaults."""

    def __init__(self, **kwargs):
        kwargs.setdefault("user_id", DEFAULT_USER)
        kwargs.setdefault("project_id", DEFAULT_PROJECT)
        super().__init__(**kwargs)

    @property
    def is_admin_role(self):
        return "admin" in (self.roles or [])


def from_environ(environ):
    """The context of a WSGI request (keystonemiddleware headers)."""
    ctx = RequestContext.from_environ(environ)
    ctx.user_id = ctx.user_id or DEFAULT_USER
    ctx.project_id = ctx.project_id or DEFAULT_PROJECT
    return ctx


def admin():
    """A context for the service's own work (recovery, scheduled jobs)."""
    return RequestContext(roles=["admin"], is_admin=True)


class ContextSerializer(oslo_messaging.NoOpSerializer):
    """Sends the context as a dict and rebuilds it on the other side."""

    def serialize_context(self, ctxt):
        # Outbox rows keep the context as the dict they were stored with.
        if ctxt is None or isinstance(ctxt, dict):
            return ctxt or {}
        return ctxt.to_dict()

    def deserialize_context(self, ctxt):
        return RequestContext.from_dict(ctxt or {})
