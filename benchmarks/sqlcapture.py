"""Record every SQL statement and transaction end an engine issues.

``Capture(engine)`` hooks SQLAlchemy's ``before_cursor_execute``,
``commit`` and ``rollback`` events of one ``Engine`` and keeps, in the
order they happened, one ``Event`` per statement (its text and parameters
exactly as handed to the DBAPI cursor) and per commit or rollback, with
the DBAPI connection it ran on, the thread that ran it and when. The test of
constant statements per task and the floor replay (``floor.py``) both use
it; it keeps no engine logic of its own.
"""
import collections
import re
import threading
import time

from sqlalchemy import event

Event = collections.namedtuple(
    "Event", "seq kind conn thread statement parameters many t")

_VERB = re.compile(r"^\s*(\w+)", re.S)
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+[`\"]?(\w+)", re.I)


class Capture:
    """The statements, commits and rollbacks of ``engine`` while enabled."""

    def __init__(self, engine):
        self.engine = engine
        self.events = []
        self.enabled = False
        self.ignored_threads = set()
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._on_statement)
        event.listen(engine, "commit", self._on_commit)
        event.listen(engine, "rollback", self._on_rollback)

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._on_statement)
        event.remove(self.engine, "commit", self._on_commit)
        event.remove(self.engine, "rollback", self._on_rollback)

    def ignore_this_thread(self):
        """Leave out what the calling thread runs (a test's own polling)."""
        self.ignored_threads.add(threading.get_ident())

    def _add(self, kind, dbapi_conn, statement=None, parameters=None,
             many=False):
        thread = threading.get_ident()
        if not self.enabled or thread in self.ignored_threads:
            return
        with self._lock:
            self.events.append(Event(len(self.events), kind, id(dbapi_conn),
                                     thread, statement, parameters, many,
                                     time.perf_counter()))

    def _on_statement(self, conn, cursor, statement, parameters, context,
                      executemany):
        self._add("sql", conn.connection.dbapi_connection, statement,
                  parameters, executemany)

    def _on_commit(self, conn):
        self._add("commit", conn.connection.dbapi_connection)

    def _on_rollback(self, conn):
        self._add("rollback", conn.connection.dbapi_connection)

    # ------------------------------------------------------------ views
    def statements(self):
        return [e for e in self.events if e.kind == "sql"]

    def commits(self):
        return [e for e in self.events if e.kind == "commit"]


def shape(ev):
    """``'INSERT task_executions'``, ``'commit'``: what an event does."""
    if ev.kind != "sql":
        return ev.kind
    verb = _VERB.match(ev.statement)
    table = _TABLE.search(ev.statement)
    return "%s %s" % (verb.group(1).upper() if verb else "?",
                      table.group(1) if table else "-")


def transactions(events):
    """Events grouped into transactions, in the order each began.

    A transaction is what one DBAPI connection ran up to and including
    its commit or rollback; statements left open at the end form a last,
    unterminated group.
    """
    open_tx, done = {}, []
    for ev in events:
        tx = open_tx.get(ev.conn)
        if tx is None:
            tx = open_tx[ev.conn] = []
            done.append(tx)
        tx.append(ev)
        if ev.kind != "sql":
            del open_tx[ev.conn]
    return done
