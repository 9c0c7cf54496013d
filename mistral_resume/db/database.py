"""The database engine of a process, and its sessions.

Sessions are explicit: ``Database.reading()`` for a GET, ``writing()`` for a
unit of work (the queries are in ``db/api.py``, ``db/jobs.py`` and
``db/leases.py``).
"""
import contextlib
import threading

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import orm

from mistral_resume import exceptions as exc


class Database:
    """One engine per process and database URL; hands out sessions."""

    def __init__(self, url, sqlite_busy_timeout=60, pool_size=None):
        self.url = sa.engine.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs = {"pool_pre_ping": not self.is_sqlite}
        if self.url.get_backend_name() in ("mysql", "mariadb"):
            # Row locks must see rows committed after our transaction began.
            kwargs["isolation_level"] = "READ COMMITTED"
        if pool_size and not self.is_sqlite:
            # The pool is sized for the process's threads; overflow is for
            # the odd connection a pre-ping or a reconnect holds briefly.
            kwargs.update(pool_size=pool_size, max_overflow=2)
        self.engine = sa.create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _setup_sqlite(self.engine, sqlite_busy_timeout)
        # On SQLite the writer's BEGIN is IMMEDIATE (see _setup_sqlite).
        self._write_engine = self.engine.execution_options(mr_write=True)
        self._read_maker = orm.sessionmaker(self.engine,
                                            expire_on_commit=False)
        self._write_maker = orm.sessionmaker(self._write_engine,
                                             expire_on_commit=False)
        # SQLite has one writer at a time, and its busy handler waits in
        # sleeps of 1 to 100 ms: threads of this process queue on a lock
        # instead, which wakes the next writer at once.
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._lock_timeout = sqlite_busy_timeout

    @contextlib.contextmanager
    def reading(self):
        with self._read_maker() as session:
            yield session

    @contextlib.contextmanager
    def writing(self):
        """A transaction that commits when the block ends without error."""
        with self._sqlite_writer(), self._write_maker() as session, \
                session.begin():
            yield session

    @contextlib.contextmanager
    def _sqlite_writer(self):
        if self._write_lock is None:
            yield
            return
        if not self._write_lock.acquire(timeout=self._lock_timeout):
            raise exc.MistralResumeError(
                "Timed out waiting for the SQLite write lock")
        try:
            yield
        finally:
            self._write_lock.release()

    def check_isolation(self):
        """Refuse a server whose transactions are not READ COMMITTED.

        Row locks (``lock_root``) and compare-and-set rely on a locking read
        seeing what other engines committed after our transaction began:
        MySQL's default REPEATABLE READ does not give that. SQLite has one
        writer at a time and needs nothing.

        :raises: MistralResumeError naming the level found.
        """
        if self.is_sqlite:
            return None
        with self._write_engine.connect() as conn:
            level = conn.get_isolation_level()
        if level != "READ COMMITTED":
            raise exc.MistralResumeError(
                "The database %s runs transactions at %s; mistral-resume "
                "needs READ COMMITTED (row locks must see rows other "
                "engines committed)" % (self.url.render_as_string(
                    hide_password=True), level))
        return level

    def dispose(self):
        self.engine.dispose()


def _setup_sqlite(engine, busy_timeout):
    """WAL, foreign keys, and BEGIN IMMEDIATE for writers.

    A deferred transaction that later writes gets SQLITE_BUSY at once when
    another writer is active, whatever the busy timeout: a writer must take
    the write lock when it begins.
    """
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=%d" % (busy_timeout * 1000))
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        write = conn.get_execution_options().get("mr_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
