"""Every alembic revision, walked on every backend.

Each test gets a new empty database per backend (``backend_url``). A
revision that changes data gets ``_pre_upgrade_<rev>(connection)`` (returns
what it stored) and ``_check_<rev>(connection, data)`` below; the walk calls
them around that revision's upgrade.
"""
import datetime
import multiprocessing
import os
import shutil
import subprocess
import sys

from alembic import autogenerate
from alembic import migration as alembic_migration
from alembic import operations
import pytest
import sqlalchemy as sa

from mistral_resume.db import database as db_database
from mistral_resume.db import migration
from mistral_resume.db import models
from tests.fixtures import databases

SERVER_BACKENDS = tuple(b for b in databases.BACKENDS if b != "sqlite")


def _engine(url):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    if engine.dialect.name == "sqlite":
        # SQLite enforces foreign keys (and so ON DELETE) only when asked.
        sa.event.listen(engine, "connect", lambda dbapi_connection, _:
                        dbapi_connection.execute("PRAGMA foreign_keys=ON"))
    return engine


@pytest.fixture
def engine(backend_url):
    engine = _engine(backend_url)
    yield engine
    engine.dispose()


def _snapshot(engine):
    """Our tables, comparable with ``==`` (alembic's own table left out)."""
    inspector = sa.inspect(engine)
    schema = {}
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        schema[table] = {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"])
                              for c in inspector.get_columns(table)),
            "indexes": sorted((i["name"], tuple(i["column_names"]))
                              for i in inspector.get_indexes(table)),
            "unique": sorted((u["name"], tuple(u["column_names"]))
                             for u in inspector.get_unique_constraints(table)),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"],
                 f["options"].get("ondelete"))
                for f in inspector.get_foreign_keys(table)),
        }
    return schema


def _schema_differences(engine):
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(
            connection, opts={"compare_type": True})
        return autogenerate.compare_metadata(context, models.Base.metadata)


def test_history_is_linear_and_numbered():
    revisions = migration.revisions()
    assert migration.heads() == (revisions[-1],)
    assert migration.head() == revisions[-1]
    assert revisions == ["%04d" % n for n in range(1, len(revisions) + 1)]
    versions = os.path.join(os.path.dirname(migration.__file__),
                            "migrations", "versions")
    files = sorted(f for f in os.listdir(versions)
                   if f.endswith(".py") and f != "__init__.py")
    assert [f.split("_", 1)[0] for f in files] == revisions


def test_upgrade_from_empty_creates_every_table(backend_url, engine):
    assert migration.current(backend_url) is None

    migration.upgrade(backend_url)

    assert migration.current(backend_url) == migration.head()
    assert set(sa.inspect(engine).get_table_names()) == (
        set(models.Base.metadata.tables) | {"alembic_version"})


def test_migrated_schema_equals_models(backend_url, engine):
    migration.upgrade(backend_url)

    # No difference is tolerated: names of indexes and unique constraints,
    # nullability, types (JsonType compares as its long text impl) and
    # foreign keys with their ON DELETE all match. Two things alembic does
    # not compare are checked elsewhere: the DATETIME precision on MySQL
    # (below) and foreign key names (the revision names them, the models
    # leave that to the database; alembic compares columns and target only).
    assert _schema_differences(engine) == []


def test_timestamps_keep_microseconds(backend_url, engine):
    migration.upgrade(backend_url)
    inspector = sa.inspect(engine)

    for table in models.Base.metadata.sorted_tables:
        reflected = {c["name"]: c["type"]
                     for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if isinstance(column.type, sa.DateTime):
                kind = reflected[column.name]
                assert isinstance(kind, sa.DateTime), (table, column)
                # alembic's type comparison ignores MySQL's fsp.
                assert getattr(kind, "fsp", 6) == 6, (table, column)


def test_foreign_keys_cascade_on_delete(backend_url, engine):
    migration.upgrade(backend_url)

    foreign_keys = _snapshot(engine)
    assert foreign_keys["task_executions"]["foreign_keys"] == [
        (("workflow_execution_id",), "workflow_executions", "CASCADE")]
    assert foreign_keys["action_executions"]["foreign_keys"] == [
        (("task_execution_id",), "task_executions", "CASCADE")]


def test_walk_every_revision_up_and_down(backend_url, engine):
    revisions = migration.revisions()
    assert migration.current(backend_url) is None
    empty = _snapshot(engine)
    before = empty
    previous = None
    for revision in revisions:
        migration.upgrade(backend_url, revision)
        assert migration.current(backend_url) == revision
        # One step down must undo exactly this revision, and up again.
        migration.downgrade(backend_url, previous or "base")
        assert migration.current(backend_url) == previous
        assert _snapshot(engine) == before

        pre_upgrade = globals().get("_pre_upgrade_%s" % revision)
        with engine.begin() as connection:
            data = pre_upgrade(connection) if pre_upgrade else None
        migration.upgrade(backend_url, revision)
        check = globals().get("_check_%s" % revision)
        if check:
            with engine.begin() as connection:
                check(connection, data)
        before = _snapshot(engine)
        previous = revision

    for revision in reversed(revisions):
        assert migration.current(backend_url) == revision
        migration.downgrade(backend_url, "-1")
    assert migration.current(backend_url) is None
    assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
    assert _snapshot(engine) == empty == {}


def test_upgrade_is_idempotent(backend_url, engine):
    migration.upgrade(backend_url)
    schema = _snapshot(engine)

    migration.upgrade(backend_url, "head")

    assert migration.current(backend_url) == migration.head()
    assert _snapshot(engine) == schema


def test_engine_and_connection_are_accepted(backend_url, engine):
    migration.upgrade(engine)
    assert migration.current(engine) == migration.head()
    with engine.connect() as connection:
        migration.downgrade(connection, "base")
        connection.commit()
        assert migration.current(connection) is None
    migration.stamp(engine, "head")
    assert migration.current(backend_url) == migration.head()


def test_server_engine_is_accepted(backend_url):
    # The server migrates through its own engine (SQLite: WAL, foreign keys
    # on, its own BEGIN; MySQL: READ COMMITTED) before serving.
    database = db_database.Database(backend_url)
    try:
        migration.upgrade(database.engine)
        assert migration.current(database.engine) == migration.head()
        with database.reading() as session:
            assert session.query(models.WorkflowExecution).count() == 0
            if database.is_sqlite:
                assert session.execute(sa.text(
                    "PRAGMA foreign_keys")).scalar() == 1
    finally:
        database.dispose()


def test_sqlite_batch_recreate_keeps_referencing_rows():
    # What a future revision altering workflow_executions does on SQLite:
    # copy it to a new table, drop the old one. With foreign keys on, the
    # drop would delete every task through ON DELETE CASCADE.
    with databases.fresh_database("sqlite") as url:
        database = db_database.Database(url)
        try:
            migration.upgrade(database.engine)
            with database.engine.begin() as connection:
                _insert_execution_tree(connection, "w1")

            def recreate(config):
                context = alembic_migration.MigrationContext.configure(
                    config.attributes["connection"])
                with operations.Operations(context).batch_alter_table(
                        "workflow_executions", recreate="always") as batch:
                    batch.add_column(sa.Column("extra", sa.String(10)))

            migration._run(database.engine, recreate)

            with database.engine.connect() as connection:
                assert _count(connection, "task_executions") == 1
        finally:
            database.dispose()


def _upgrade_in_child(url, start):
    start.wait(timeout=60)
    migration.upgrade(url)


@pytest.mark.parametrize("backend", SERVER_BACKENDS)
def test_concurrent_upgrades_migrate_once(backend):
    # Servers starting together: separate processes, released at once.
    databases.require(backend)
    processes = multiprocessing.get_context("spawn")
    with databases.fresh_database(backend) as url:
        start = processes.Barrier(3)
        children = [processes.Process(target=_upgrade_in_child,
                                      args=(url, start))
                    for _ in range(3)]
        for child in children:
            child.start()
        for child in children:
            child.join(timeout=120)
            if child.exitcode is None:
                child.kill()
        assert [child.exitcode for child in children] == [0, 0, 0]
        assert migration.current(url) == migration.head()


def _db_manage(*args):
    command = os.path.join(os.path.dirname(sys.executable),
                           "mistral-resume-db-manage")
    command = command if os.path.exists(command) else shutil.which(
        "mistral-resume-db-manage")
    return subprocess.run([command, *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_db_manage_command(backend_url, tmp_path):
    where = sa.make_url(backend_url).render_as_string(hide_password=True)
    config_file = tmp_path / "mistral-resume.conf"
    config_file.write_text("[database]\nconnection = %s\n" % backend_url)

    done = _db_manage("--database-connection", backend_url, "upgrade", "head")
    assert done.returncode == 0, done.stderr
    assert "database: %s" % where in done.stderr
    assert "Running upgrade" in done.stderr

    done = _db_manage("current", "--config-file", str(config_file))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "%s (head)" % migration.head()

    done = _db_manage("--database-connection", backend_url, "downgrade",
                      "9999")
    assert done.returncode == 1
    assert "9999" in done.stderr
    assert migration.current(backend_url) == migration.head()


# Per-revision data checks -------------------------------------------------

def _table(connection, name):
    return sa.Table(name, sa.MetaData(), autoload_with=connection)


def _count(connection, name):
    return connection.execute(sa.select(sa.func.count()).select_from(
        _table(connection, name))).scalar()


NOW = datetime.datetime(2025, 1, 2, 3, 4, 5, 123456)
# 100 KiB: more than MySQL's TEXT holds.
BIG = "x" * (100 * 1024)


def _task_row(wf_id):
    return {"name": "t", "type": "ACTION", "workflow_execution_id": wf_id,
            "root_execution_id": wf_id, "state": "RUNNING",
            "processed": False, "reset": False, "retry_no": 0,
            "unique_key": "join-%s" % wf_id, "created_at": NOW,
            "project_id": "p"}


def _insert_execution_tree(connection, wf_id):
    """A workflow execution, one task, one action: the 0001 shape."""
    common = {"created_at": NOW, "project_id": "p"}
    connection.execute(_table(connection, "workflow_executions").insert(), {
        "id": wf_id, "name": "wf", "workflow_namespace": "", "spec": "{}",
        "state": "RUNNING", "state_info": BIG, **common})
    connection.execute(_table(connection, "task_executions").insert(),
                       {"id": wf_id + "-t", **_task_row(wf_id)})
    connection.execute(_table(connection, "action_executions").insert(), {
        "id": wf_id + "-a", "name": "std.noop",
        "task_execution_id": wf_id + "-t", "state": "SUCCESS",
        "accepted": True, "attempt": 1, **common})


def _check_0001(connection, data):
    workflows = _table(connection, "workflow_executions")
    tasks = _table(connection, "task_executions")
    _insert_execution_tree(connection, "w1")

    row = connection.execute(sa.select(workflows)).one()
    assert row.created_at == NOW
    assert len(row.state_info) == len(BIG)
    with pytest.raises(sa.exc.IntegrityError):
        with connection.begin_nested():
            connection.execute(tasks.insert(),
                               {"id": "t2", **_task_row("w1")})

    connection.execute(workflows.delete())
    assert _count(connection, "task_executions") == 0
    assert _count(connection, "action_executions") == 0
