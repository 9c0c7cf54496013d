"""Schema migrations: alembic's command API over the packaged revisions.

Every function takes the database as a URL (``str`` or ``sqlalchemy.URL``),
an ``Engine`` or an open ``Connection``:

- a URL: an engine is made for the call and disposed of afterwards;
- an ``Engine``: one connection is checked out and returned;
- a ``Connection``: used as is: no lock, no commit, the caller owns it.

With a URL or an engine, ``upgrade``, ``downgrade`` and ``stamp`` hold a
database-wide lock (PostgreSQL advisory lock, MySQL ``GET_LOCK``) so that
several servers starting at once against one database migrate it once; the
others wait, then find it at head and do nothing. On SQLite they turn
foreign keys off meanwhile (batch mode must not cascade-delete rows).
"""
import contextlib
import os
import threading

from alembic import command
from alembic import config as alembic_config_mod
from alembic import migration as alembic_migration
from alembic import script as alembic_script
import sqlalchemy as sa

_INI = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "migrations", "alembic.ini")
_LOCK_NAME = "mistral_resume.migrate"
# Any fixed 64-bit number: advisory locks are scoped to one database.
_PG_LOCK_KEY = 0x6D725F6D69677261
_MYSQL_LOCK_TIMEOUT = 600
_IN_PROCESS = threading.Lock()


def alembic_config(connection=None):
    """A ``Config`` read from the packaged alembic.ini.

    :param connection: put in ``attributes['connection']`` for env.py.
    """
    config = alembic_config_mod.Config(_INI)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _script():
    return alembic_script.ScriptDirectory.from_config(alembic_config())


def heads():
    """The head revisions of the packaged scripts (one, normally)."""
    return tuple(_script().get_heads())


def head():
    """The single head revision.

    :raises alembic.util.CommandError: when the history has several heads.
    """
    return _script().get_current_head()


def revisions():
    """Every revision id, oldest first."""
    return [s.revision for s in reversed(list(_script().walk_revisions()))]


def make_engine(url):
    """An engine for a migration run; creates a SQLite file's directory."""
    url = sa.make_url(url)
    if url.get_backend_name() == "sqlite" and url.database not in (
            None, "", ":memory:"):
        directory = os.path.dirname(os.path.abspath(url.database))
        os.makedirs(directory, exist_ok=True)
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


@contextlib.contextmanager
def _connection(url_or_engine):
    """Yield ``(connection, owned)``; ``owned`` means ours to commit."""
    if isinstance(url_or_engine, sa.Connection):
        yield url_or_engine, False
        return
    owned_engine = not isinstance(url_or_engine, sa.Engine)
    engine = make_engine(url_or_engine) if owned_engine else url_or_engine
    try:
        with engine.connect() as connection:
            yield connection, True
    finally:
        if owned_engine:
            engine.dispose()


@contextlib.contextmanager
def _sqlite_foreign_keys_off(connection):
    """Turn SQLite's foreign keys off while migrating, as they were after.

    Batch mode recreates a table on SQLite: with foreign keys on (as the
    server's engine has them), dropping the old table deletes every row that
    references it through ON DELETE CASCADE. The pragma is ignored inside a
    transaction, so it goes straight to the driver before alembic begins.
    """
    driver = connection.connection.driver_connection
    enabled = driver.execute("PRAGMA foreign_keys").fetchone()[0]
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        connection.rollback()
        if enabled:
            driver.execute("PRAGMA foreign_keys=ON")


@contextlib.contextmanager
def _serialized(connection):
    """Hold the migration lock of this database; on SQLite, see above."""
    name = connection.dialect.name
    if name == "postgresql":
        take = sa.text("SELECT pg_advisory_lock(:key)")
        give = sa.text("SELECT pg_advisory_unlock(:key)")
        params = {"key": _PG_LOCK_KEY}
    elif name in ("mysql", "mariadb"):
        # GET_LOCK names are server-wide: add the schema so that databases
        # sharing a server (tests, several installs) do not wait on each
        # other.
        take = sa.text("SELECT GET_LOCK(CONCAT(:name, DATABASE()), :timeout)")
        give = sa.text("SELECT RELEASE_LOCK(CONCAT(:name, DATABASE()))")
        params = {"name": _LOCK_NAME + ".", "timeout": _MYSQL_LOCK_TIMEOUT}
    elif name == "sqlite":
        with _sqlite_foreign_keys_off(connection):
            yield
        return
    else:
        yield
        return
    got = connection.execute(take, params).scalar()
    # GET_LOCK answers 1, or 0 on timeout; pg_advisory_lock waits for ever.
    if name != "postgresql" and got != 1:
        raise TimeoutError("another process held the migration lock for "
                           "%s seconds" % _MYSQL_LOCK_TIMEOUT)
    # The lock belongs to the session: commit so that alembic starts a fresh
    # transaction and sees what the previous lock holder committed.
    connection.commit()
    try:
        yield
    finally:
        try:
            connection.rollback()
            connection.execute(give, params)
            connection.commit()
        except sa.exc.DBAPIError:
            pass  # connection lost: the lock went with its session


def _run(url_or_engine, alembic_command, *args, **kwargs):
    # alembic.context and alembic.op are module-level proxies that a command
    # installs for its env.py: two commands at once in one process would use
    # each other's. The database lock covers other processes.
    with _IN_PROCESS, _connection(url_or_engine) as (connection, owned):
        if not owned:
            alembic_command(alembic_config(connection), *args, **kwargs)
            return
        with _serialized(connection):
            alembic_command(alembic_config(connection), *args, **kwargs)
            connection.commit()


def upgrade(url_or_engine, revision="head"):
    """Create or upgrade the schema up to ``revision``; idempotent."""
    _run(url_or_engine, command.upgrade, revision)


def downgrade(url_or_engine, revision):
    """Downgrade to ``revision`` (``'base'`` drops every table)."""
    _run(url_or_engine, command.downgrade, revision)


def stamp(url_or_engine, revision, purge=False):
    """Record ``revision`` as current without running any migration.

    :param purge: empty the version table first (any current revision, even
        one unknown to these scripts, is forgotten).
    """
    _run(url_or_engine, command.stamp, revision, purge=purge)


def current(url_or_engine):
    """The database's revision, or None when it is not under migration.

    :raises alembic.util.CommandError: when it records several revisions.
    """
    with _connection(url_or_engine) as (connection, _owned):
        context = alembic_migration.MigrationContext.configure(connection)
        return context.get_current_revision()
