"""The unit of work: one transaction per engine verb, effects after commit.

Every verb runs as::

    with unit_of_work(db, sender, ctx, root_id) as uow:
        ...read, decide (pure core), write through uow.session...
        uow.send(topic, method, **payload)

The root execution row is locked first, so everything under one root is
serialised across threads and engines. Messages are recorded in the outbox
table in the same transaction and sent only after the commit; a process that
dies in between leaves outbox rows that ``recovery`` sends again. Rows sent
are deleted by the process's next unit of work (or by its recovery loop
when none comes): no transaction of its own per message.
"""
import contextlib
import datetime
import logging
import threading

from mistral_resume.db import api as db_api
from mistral_resume.db import bulk as db_bulk
from mistral_resume.db import leases as db_leases
from mistral_resume.db import models

LOG = logging.getLogger(__name__)


class UnitOfWork:
    """What a verb may touch: the session, the context, the outbox."""

    def __init__(self, session, ctx, specs=None, inline=None):
        self.session = session
        self.ctx = ctx
        # The actions this work runs itself (engine/inline.py), or None.
        self.inline = inline
        # Parsed specs shared across units of work (engine/specs.py).
        self.specs = specs
        self._outbox = []
        self._after_commit = []
        # Jobs scheduled by this work: the local scheduler is woken for them.
        self.jobs = []
        # With-items tasks starting items in this work: an item that ends
        # at once (a sub-workflow with nothing to run) does not start more.
        self.starting = set()
        # One Step per execution touched by this work (engine/steps.load).
        self.steps = {}

    def send(self, topic, method, **payload):
        """Cast ``method(**payload)`` to ``topic`` once this work commits."""
        row = models.Outbox(topic=topic, method=method, payload=payload,
                            context=self.ctx.to_dict())
        self.session.add(row)
        self._outbox.append(row)

    def after_commit(self, func):
        """Run ``func()`` after the commit (e.g. wake a waiting caller)."""
        self._after_commit.append(func)

    def schedule(self, method, delay, payload, root_id,
                 task_execution_id=None):
        """A job to run ``method(**payload)`` in ``delay`` seconds.

        The job row commits with this work, so a delay survives a restart;
        an engine's scheduler loop runs it (``engine/scheduler.py``).
        """
        job = models.ScheduledJob(
            id=models.new_id(), method=method, payload=payload,
            context=self.ctx.to_dict(), root_execution_id=root_id,
            task_execution_id=task_execution_id,
            run_at=models.utcnow() + datetime.timedelta(seconds=delay))
        self.session.add(job)
        self.jobs.append(job)
        return job

    @property
    def messages(self):
        return list(self._outbox)


@contextlib.contextmanager
def unit_of_work(db, sender, ctx, root_id=None, specs=None, inline=None):
    """A locked, committed unit of work whose messages are then sent.

    ``inline``: an ``inline.Queue`` of the actions this work runs itself,
    after the verb's own changes and before the commit.

    :raises: NotFound if ``root_id`` names no execution.
    """
    sent = sender.take_sent()
    try:
        with db.writing() as session:
            if root_id is not None:
                db_api.lock_root(session, root_id)
            db_leases.outbox_delete(session, sent)
            uow = UnitOfWork(session, ctx, specs, inline)
            yield uow
            if inline is not None:
                inline.drain(uow)
            db_bulk.insert_new_rows(session)
            session.flush()
    except BaseException:
        sender.give_back(sent)
        raise
    if uow.messages:
        sender.deliver(uow.messages)
    for func in uow._after_commit:
        func()


class Worker:
    """Opens one engine process's units of work: its database, its sender,
    its spec cache; wakes its scheduler after work that scheduled jobs."""

    def __init__(self, db, sender, specs=None, wake_scheduler=None,
                 inline=None):
        self.db = db
        self.sender = sender
        self.specs = specs
        self.wake_scheduler = wake_scheduler
        # inline.Settings: the actions the engine runs itself, or None.
        self.inline = inline

    @contextlib.contextmanager
    def work(self, ctx, root_id=None):
        queue = self.inline.queue() if self.inline is not None else None
        with unit_of_work(self.db, self.sender, ctx, root_id,
                          self.specs, queue) as w:
            yield w
        if w.jobs and self.wake_scheduler is not None:
            self.wake_scheduler()


class Sender:
    """Sends outbox rows over RPC; they are deleted later, in bulk."""

    def __init__(self, db, client):
        self._db = db
        self._client = client
        # Ids of rows sent and not deleted yet (take_sent, delete_sent).
        self._sent = []
        self._sent_lock = threading.Lock()

    def take_sent(self):
        """The ids of sent rows, for a transaction that deletes them (it
        gives them back if it fails)."""
        with self._sent_lock:
            taken, self._sent = self._sent, []
        return taken

    def give_back(self, ids):
        with self._sent_lock:
            self._sent.extend(ids)

    def delete_sent(self):
        """Delete the sent rows no unit of work took; how many."""
        ids = self.take_sent()
        if ids:
            try:
                with self._db.writing() as session:
                    db_leases.outbox_delete(session, ids)
            except BaseException:
                self.give_back(ids)
                raise
        return len(ids)

    def cast(self, row):
        self._client.prepare(topic=row.topic).cast(row.context, row.method,
                                                   **row.payload)

    def call(self, ctx, topic, method, wait, **payload):
        """Call ``method`` on ``topic`` and wait up to ``wait`` seconds.

        Outside any unit of work: nothing is locked while waiting.

        :raises: oslo_messaging.MessagingTimeout.
        """
        return self._client.prepare(topic=topic, timeout=wait).call(
            ctx, method, **payload)

    def deliver(self, rows):
        sent = []
        for row in rows:
            try:
                self.cast(row)
            except Exception:  # a dead broker: recovery resends it later
                LOG.exception("Could not send %s to %s; left in the outbox",
                              row.method, row.topic)
                continue
            sent.append(row.id)
        self.give_back(sent)
