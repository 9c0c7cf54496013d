"""The executor's RPC endpoint: run an action, report its result."""
import logging

import oslo_messaging as messaging

from mistral_resume.executor import registry

LOG = logging.getLogger(__name__)


class ExecutorEndpoint:
    """Receives ``run_action`` casts from engines."""

    target = messaging.Target(version="1.0")

    def __init__(self, engine_client):
        self._engine = engine_client

    def run_action(self, ctx, action_ex_id, action_name, action_input,
                   execution=None):
        result = registry.run(action_name, action_input, ctx, execution)
        if result is not None:
            self._engine.on_action_complete(ctx, action_ex_id, result)
