"""Actions the engine runs itself, in the unit of work that starts them.

An action that is instant and touches nothing outside (``std.noop``,
``std.echo`` without a delay) gains nothing from an executor: sending it
costs an outbox row, a message, the executor's claim, the result's message
and a second unit of work, for no work at all. ``[engine] inline_actions``
names those the engine completes itself: the action execution is created
RUNNING and completed as an executor's result would complete it, within
the same unit of work; what follows (the next task, whose action may be
inline too) is queued, not recursed into.

A unit of work completes at most ``[engine] inline_batch`` of them; the
rest go in one message to the engines (``run_inline``), recorded in the
outbox like any other, so a chain of a thousand noops never holds its
execution's lock for long, and an engine killed in between loses nothing.
"""
import collections
import logging

from mistral_resume.executor import registry

LOG = logging.getLogger(__name__)

# Actions that may run inline: name -> does this input let it? (Only
# actions that return at once and change nothing anywhere.)
PURE = {
    "std.noop": lambda action_input: True,
    "std.echo": lambda action_input: not (action_input or {}).get("delay"),
    "std.fail": lambda action_input: True,
}


class Settings:
    """``[engine] inline_actions`` and ``inline_batch``, and the topic the
    rest of a batch goes to (the engines' results topic)."""

    def __init__(self, names, batch, topic):
        unknown = sorted(set(names) - set(PURE))
        if unknown:
            LOG.warning("[engine] inline_actions: %s cannot run inline "
                        "(only %s can); they go to executors",
                        ", ".join(unknown), ", ".join(sorted(PURE)))
        self.names = frozenset(names) & frozenset(PURE)
        self.batch = batch
        self.topic = topic

    def queue(self):
        """A queue for one unit of work."""
        return Queue(self)


class Queue:
    """The inline actions one unit of work has started, in order."""

    def __init__(self, settings):
        self._settings = settings
        self._queue = collections.deque()
        # Queued actions per task execution: still RUNNING, all of them.
        self._waiting = collections.Counter()

    def takes(self, name, action_input):
        return name in self._settings.names and PURE[name](action_input)

    def add(self, step, ax, message):
        """Run ``message`` (``Step.action_message``) before the commit."""
        self._queue.append((step, ax, message))
        self._waiting[ax.task_execution_id] += 1

    def waiting(self, task_ex_id):
        """Whether an action of this task waits here to run (so the task
        has an incomplete item: no need to count them in SQL)."""
        return self._waiting[task_ex_id] > 0

    def drain(self, uow):
        """Complete the queued actions, and those their completions queue,
        up to the batch; send the rest to the engines (``run_inline``, one
        message per root execution). :returns: how many ran here."""
        done = 0
        while self._queue and done < self._settings.batch:
            step, ax, message = self._queue.popleft()
            self._waiting[ax.task_execution_id] -= 1
            result = registry.run(message["action_name"],
                                  message["action_input"], uow.ctx,
                                  message["execution"])
            step.on_action_complete(ax, result)
            done += 1
        rest = collections.defaultdict(list)
        while self._queue:
            _step, ax, _message = self._queue.popleft()
            rest[ax.root_execution_id].append(ax.id)
        for root_id, ids in rest.items():
            uow.send(self._settings.topic, "run_inline", action_ex_ids=ids,
                     root_execution_id=root_id)
        return done
