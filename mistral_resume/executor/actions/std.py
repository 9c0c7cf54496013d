"""Mistral's standard actions, written on mistral-lib's Action API.

Parameters and results are Mistral's, so existing workflows behave the
same; errors are raised (or returned as ``Result(error=...)``) as
Mistral's do.
"""
import time

from mistral_lib import actions
from mistral_lib import exceptions as lib_exc


class NoOpAction(actions.Action):
    """Does nothing; returns None."""

    def run(self, context):
        return None


class EchoAction(actions.Action):
    """Returns ``output`` (after ``delay`` seconds)."""

    def __init__(self, output, delay=0):
        super().__init__()
        self.output = output
        self.delay = delay

    def run(self, context):
        if self.delay:
            time.sleep(float(self.delay))
        return self.output


class FailAction(actions.Action):
    """Always fails: with ``error_data`` as the error, if given."""

    def __init__(self, error_data=None):
        super().__init__()
        self.error_data = error_data

    def run(self, context):
        if self.error_data:
            return actions.Result(error=self.error_data)
        raise lib_exc.ActionException("Fail action expected exception.")


class SleepAction(actions.Action):
    """Sleeps ``seconds``; returns None."""

    def __init__(self, seconds=1):
        super().__init__()
        self.seconds = float(seconds)

    def run(self, context):
        time.sleep(max(self.seconds, 0))


class TestDictAction(actions.Action):
    """A dict of ``size`` entries ``{key_prefix + i: val}``."""

    __test__ = False  # not a pytest test class

    def __init__(self, size=0, key_prefix="", val=""):
        super().__init__()
        self.size = size
        self.key_prefix = key_prefix
        self.val = val

    def run(self, context):
        size = int(self.size)
        return {"%s%d" % (self.key_prefix, i): self.val for i in range(size)}


class AsyncNoOpAction(NoOpAction):
    """Completes only when told: PUT /v2/action_executions/{id}."""

    def is_sync(self):
        return False
