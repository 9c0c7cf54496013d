"""Alembic environment: where the database comes from, how revisions run.

The caller (``mistral_resume.db.migration``) puts either an open
``Connection`` in ``config.attributes['connection']`` (used as is, the caller
owns it) or a URL in ``config.attributes['url']``. The alembic command line
may instead pass ``-x url=...`` or set ``sqlalchemy.url``.

Logging is left to the caller: a server calling ``upgrade()`` at start keeps
its own logging configuration.
"""
from alembic import context
import sqlalchemy as sa

from mistral_resume.db import models

config = context.config
target_metadata = models.Base.metadata

# Every revision runs on SQLite too: batch mode turns ALTERs into
# "copy to a new table" there; compare_type lets autogenerate see type changes.
_OPTIONS = {
    "target_metadata": target_metadata,
    "render_as_batch": True,
    "compare_type": True,
}


def _url():
    url = (config.attributes.get("url")
           or context.get_x_argument(as_dictionary=True).get("url")
           or config.get_main_option("sqlalchemy.url"))
    if not url:
        raise RuntimeError(
            "no database given: set Config.attributes['connection'] or "
            "['url'], or pass -x url=... to alembic")
    return url


def _run_on(connection):
    context.configure(connection=connection, **_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline():
    context.configure(url=_url(), literal_binds=True, **_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = sa.create_engine(_url(), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            _run_on(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
