"""Who is asking and what they may do: Keystone tokens and policy.

``wrap`` puts keystonemiddleware's ``auth_token`` in front of the API when
``[pecan] auth_enable`` is set: it answers 401 for a request without a
valid token and replaces any identity headers the client sent with the
token's (``X-Project-Id``, ``X-User-Id``, ``X-Roles``), which
``context.from_environ`` reads. Without it (the embedded default) those
headers are trusted as sent.

``PolicyHook`` hands every request the process's :class:`policy.Policy`;
a controller calls :func:`enforce` once per handler, first thing.
"""
from keystonemiddleware import auth_token
import pecan
from pecan import hooks as pecan_hooks

from mistral_resume import policy


def wrap(conf, app):
    """``app`` behind keystonemiddleware when ``[pecan] auth_enable``."""
    if not conf.pecan.auth_enable:
        return app
    # The middleware registers [keystone_authtoken] and the auth plugin's
    # options on the ConfigOpts it is handed, and reads them there.
    return auth_token.AuthProtocol(app, {"oslo_config_config": conf})


class PolicyHook(pecan_hooks.PecanHook):
    """Puts the rules on the request (``pecan.request.policy``)."""

    def __init__(self, conf):
        self._policy = policy.Policy(conf)

    def before(self, state):
        state.request.policy = self._policy


def enforce(rule, target=None):
    """The request's caller may do ``rule``.

    :raises: Forbidden (403).
    """
    pecan.request.policy.enforce(pecan.request.context, rule, target)
