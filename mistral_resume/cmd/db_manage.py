"""``mistral-resume-db-manage``: create, upgrade and inspect the schema.

::

    mistral-resume-db-manage [--config-file PATH] [--database-connection URL]
                             {upgrade [REV] | downgrade REV | stamp REV |
                              current | heads}

The database is ``[database]/connection`` of the configuration files given
with ``--config-file``/``--config-dir`` (read as the server reads them), unless
``--database-connection`` names another. Where it is goes to stderr,
then alembic's progress; stdout carries only the answer (a revision), so
``$(mistral-resume-db-manage current)`` is usable in scripts.
"""
import argparse
import logging
import sys

from alembic import util as alembic_util
from oslo_config import cfg
import sqlalchemy as sa

from mistral_resume import conf as conf_mod
from mistral_resume.db import migration

PROG = "mistral-resume-db-manage"


def _common_options(parser, defaults):
    # The same options are accepted before and after the sub-command; the
    # sub-command's copies default to SUPPRESS so they do not overwrite
    # values given before it.
    def default(value):
        return value if defaults else argparse.SUPPRESS
    parser.add_argument("--config-file", action="append", metavar="PATH",
                        default=default([]),
                        help="configuration file; may be repeated, later "
                             "files win")
    parser.add_argument("--config-dir", action="append", metavar="DIR",
                        default=default([]),
                        help="directory of *.conf files read after the "
                             "configuration files")
    parser.add_argument("--database-connection", metavar="URL",
                        default=default(None),
                        help="SQLAlchemy URL of the database; overrides "
                             "[database]/connection")


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG, description="Manage the mistral-resume database schema.")
    _common_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _common_options(common, defaults=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     required=True)
    sub = commands.add_parser("upgrade", parents=[common],
                              help="upgrade to REV (default: head); "
                                   "creates the schema of an empty database")
    sub.add_argument("revision", nargs="?", default="head", metavar="REV")
    sub = commands.add_parser("downgrade", parents=[common],
                              help="downgrade to REV ('base': drop all)")
    sub.add_argument("revision", metavar="REV")
    sub = commands.add_parser("stamp", parents=[common],
                              help="record REV as current, running nothing")
    sub.add_argument("revision", metavar="REV")
    sub.add_argument("--purge", action="store_true",
                     help="empty the version table first")
    commands.add_parser("current", parents=[common],
                        help="print the database's revision")
    commands.add_parser("heads", parents=[common],
                        help="print the newest revision(s) of this release")
    return parser


def make_conf(args):
    """The service configuration, as the server would read it."""
    argv = []
    for path in args.config_file:
        argv += ["--config-file", path]
    for path in args.config_dir:
        argv += ["--config-dir", path]
    overrides = {}
    if args.database_connection:
        overrides["database__connection"] = args.database_connection
    # Exactly as mistral-resume-server builds it, so both find one database.
    return conf_mod.make(argv, **overrides)


def _describe(revision):
    if revision is None:
        return "base"
    if revision in migration.heads():
        return "%s (head)" % revision
    return revision


def _upgrade(url, args):
    migration.upgrade(url, args.revision)
    return _describe(migration.current(url))


def _downgrade(url, args):
    migration.downgrade(url, args.revision)
    return _describe(migration.current(url))


def _stamp(url, args):
    migration.stamp(url, args.revision, purge=args.purge)
    return _describe(migration.current(url))


def _current(url, args):
    return _describe(migration.current(url))


def _heads(url, args):
    return "\n".join(migration.heads())


_COMMANDS = {
    "upgrade": _upgrade,
    "downgrade": _downgrade,
    "stamp": _stamp,
    "current": _current,
    "heads": _heads,
}


def _show_alembic_progress():
    # Only the steps ("Running upgrade  -> 0001, ..."), not alembic's notes
    # about the dialect.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(lambda record: record.getMessage().startswith("Running"))
    logger = logging.getLogger("alembic.runtime.migration")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        conf = make_conf(args)
    except cfg.Error as error:
        print("%s: error: %s" % (PROG, error), file=sys.stderr)
        return 2
    url = conf.database.connection
    print("database: %s" % sa.make_url(url).render_as_string(
        hide_password=True), file=sys.stderr)
    _show_alembic_progress()
    try:
        answer = _COMMANDS[args.command](url, args)
    except (alembic_util.CommandError, sa.exc.SQLAlchemyError,
            TimeoutError) as error:
        print("%s: error: %s" % (PROG, error), file=sys.stderr)
        return 1
    print(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
