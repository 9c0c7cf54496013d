"""The engine's RPC endpoint: one short method per verb.

Each verb is one unit of work (``uow.unit_of_work``): lock the root
execution, load, apply the pure core's decision, save, commit, then send.
"""
import collections
import logging

import oslo_messaging as messaging

from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import jobs as db_jobs
from mistral_resume.engine import action_defs
from mistral_resume.engine import adhoc
from mistral_resume.engine import definitions
from mistral_resume.engine import environments
from mistral_resume.engine import executions
from mistral_resume.engine import idempotency
from mistral_resume.engine import policies
from mistral_resume.engine import resume
from mistral_resume.engine import specs
from mistral_resume.engine import uow
from mistral_resume.engine import views
from mistral_resume.engine import workbooks
from mistral_resume.workflow import requests
from mistral_resume.workflow import statuses as st

LOG = logging.getLogger(__name__)

Topics = collections.namedtuple("Topics", "engine executor")


class EngineManager:
    """Serves the verbs of ``rpcapi.EngineClient`` (version 1.0)."""

    target = messaging.Target(version="1.6")

    def __init__(self, db, sender, topics, executor_timeout=60,
                 wake_scheduler=None, worker=None):
        self._db = db
        self._sender = sender
        self._topics = topics
        # Units of work (shared with the process's recovery loop).
        self._work = (worker or uow.Worker(db, sender, specs.SpecCache(),
                                           wake_scheduler)).work
        # An ad hoc run_sync waits this long for an action without its own
        # timeout.
        self._executor_timeout = executor_timeout

    def _root_of_execution(self, ctx, ex_id):
        with self._db.reading() as session:
            return db_api.root_of_execution(session, ex_id,
                                            _project_filter(ctx))

    # ---------------------------------------------------------- definitions
    def create_workflows(self, ctx, definition, namespace="",
                         scope="private"):
        with self._work(ctx) as w:
            rows = definitions.save(w, definition, namespace, scope,
                                    _known(w, namespace))
            return [views.as_dict(r) for r in rows]

    def update_workflows(self, ctx, definition, namespace="", scope=None):
        with self._work(ctx) as w:
            rows = definitions.save(w, definition, namespace, scope,
                                    _known(w, namespace), update=True)
            return [views.as_dict(r) for r in rows]

    def delete_workflow(self, ctx, identifier, namespace=""):
        with self._work(ctx) as w:
            definitions.delete(w, identifier, namespace)

    # ----------------------------------------------------------- executions
    def start_workflow(self, ctx, workflow_identifier, namespace="",
                       workflow_input=None, description="", params=None,
                       execution_id=None, source_execution_id=None):
        with self._work(ctx) as w:
            wf_def = db_api.find_workflow_definition(
                w.session, workflow_identifier, namespace, ctx.project_id,
                with_text=False)
            wf_ex = executions.start(
                w, self._topics, wf_def, workflow_input, params,
                description, execution_id, source_execution_id)
            return views.as_dict(wf_ex)

    def update_execution(self, ctx, execution_id, state=None,
                         state_info=None, description=None, env=None):
        root_id = self._root_of_execution(ctx, execution_id)
        with self._work(ctx, root_id) as w:
            wf_ex = executions.update(w, self._topics, execution_id, state,
                                      state_info, description, env)
            return views.as_dict(wf_ex)

    def delete_execution(self, ctx, execution_id, force=False):
        root_id = self._root_of_execution(ctx, execution_id)
        with self._work(ctx, root_id) as w:
            executions.delete(w, execution_id, force)

    # --------------------------------------------------------------- resume
    def resume_execution(self, ctx, execution_id, resumes, comment=None,
                         dry_run=False, idempotency_key=None):
        root_id = self._root_of_execution(ctx, execution_id)
        parsed = [requests.from_dict(r) for r in resumes]
        with self._work(ctx, root_id) as w:
            def run():
                result = resume.resume(w, self._topics, execution_id, parsed,
                                       comment, dry_run,
                                       resumes_execution=True)
                return result if dry_run else views.as_dict(result)
            return _once(w, idempotency_key, dry_run, "resume_execution",
                         [execution_id, resumes, comment], run)

    def resume_task(self, ctx, task_id, request, comment=None,
                    dry_run=False, idempotency_key=None):
        with self._db.reading() as session:
            task_ex = db_api.get_task(session, task_id, _project_filter(ctx))
            root_id = task_ex.root_execution_id
        parsed = requests.from_dict(dict(request, task=task_id))
        with self._work(ctx, root_id) as w:
            def run():
                task_ex = db_api.get_task(w.session, task_id)
                result = resume.resume(
                    w, self._topics, task_ex.workflow_execution_id,
                    [parsed], comment, dry_run)
                if dry_run:
                    return result
                return views.as_dict(db_api.get_task(w.session, task_id))
            return _once(w, idempotency_key, dry_run, "resume_task",
                         [task_id, request, comment], run)

    # -------------------------------------------------------------- actions
    def run_action(self, ctx, name, action_input=None, params=None,
                   description=None):
        """An ad hoc action run (see ``adhoc``): scheduled, or awaited.

        Awaited runs take two units of work around an executor ``call``
        (nothing stays locked while the action runs).
        """
        with self._db.reading() as session:
            expansion = action_defs.expand(
                session, name, dict(action_input or {}), dict, lambda: None,
                "", ctx.project_id)
        if expansion.outputs is None:
            expansion = None  # a registered action (or an unknown name)
        run = adhoc.plan(name, action_input, params, expansion)
        if run.schedule:
            with self._work(ctx) as w:
                return views.as_dict(adhoc.schedule(w, self._topics, run,
                                                    description))
        ax_id = None
        if run.save_result:
            with self._work(ctx) as w:
                ax_id = adhoc.create(w, run, description).id
        limit, wait = adhoc.call_timeout(run, self._executor_timeout)
        try:
            result = self._sender.call(
                ctx, self._topics.executor, "run_action", wait,
                **adhoc.payload(run, ax_id, limit))
        except messaging.MessagingTimeout:
            raise exc.ExecutorTimeout(
                "No executor answered within %s seconds [action=%s, "
                "action_ex_id=%s]" % (wait, name, ax_id)) from None
        if ax_id is None:
            return adhoc.unsaved(run, description, result)
        with self._work(ctx) as w:
            return views.as_dict(adhoc.complete(w, ax_id, result))

    def on_action_complete(self, ctx, action_ex_id, result,
                           root_execution_id=None):
        """An action's result; ``root_execution_id`` (the executor's echo
        of what ``run_action`` said) spares the read of the root to lock,
        and is checked against the row once locked."""
        root_id = root_execution_id
        if root_id is None:
            with self._db.reading() as session:
                root_id = db_api.root_of_action(session, action_ex_id)
        if root_id is None:
            with self._work(ctx) as w:
                adhoc.complete(w, action_ex_id, result)
            return
        with self._work(ctx, root_id) as w:
            ax = db_api.get_action_execution(w.session, action_ex_id)
            if ax.root_execution_id == root_id:
                step = executions.load_step(w, self._topics,
                                            ax.workflow_execution_id)
                step.on_action_complete(ax, result)
                return
        # Not the root the message named: lock the one the row names.
        self.on_action_complete(ctx, action_ex_id, result)

    def run_inline(self, ctx, action_ex_ids, root_execution_id):
        """Inline actions a unit of work left over (``engine/inline.py``):
        run them (and what follows them) in this one. One that is no
        longer RUNNING (a repeated message) is left alone."""
        try:
            with self._work(ctx, root_execution_id) as w:
                for ax in db_api.action_executions(w.session,
                                                   action_ex_ids):
                    if ax.state != st.RUNNING:
                        continue
                    executions.load_step(
                        w, self._topics, ax.workflow_execution_id
                    ).send_action(ax)
        except exc.NotFound:
            LOG.info("Execution %s is gone; its inline actions with it",
                     root_execution_id)

    def complete_action(self, ctx, action_ex_id, state, output):
        """PUT /v2/action_executions/{id}: an async action's result."""
        with self._db.reading() as session:
            root_id = db_api.root_of_action(session, action_ex_id)
        error = state == "ERROR"
        result = {"data": None if error else output,
                  "error": output if error else None}
        if root_id is None:
            with self._work(ctx) as w:
                return views.as_dict(adhoc.complete(
                    w, action_ex_id, result, _project_filter(ctx)))
        with self._work(ctx, root_id) as w:
            ax = db_api.get_action_execution(w.session, action_ex_id,
                                             _project_filter(ctx))
            step = executions.load_step(w, self._topics,
                                        ax.workflow_execution_id)
            step.on_action_complete(ax, result)
            return views.as_dict(ax)

    def create_actions(self, ctx, definition, namespace="", scope="private"):
        with self._work(ctx) as w:
            rows = action_defs.save(w, definition, namespace, scope,
                                    _known(w, namespace))
            return [views.as_dict(r) for r in rows]

    def update_actions(self, ctx, definition, namespace="", scope=None):
        with self._work(ctx) as w:
            rows = action_defs.save(w, definition, namespace, scope,
                                    _known(w, namespace), update=True)
            return [views.as_dict(r) for r in rows]

    def delete_action(self, ctx, name, namespace=""):
        with self._work(ctx) as w:
            action_defs.delete(w, name, namespace)

    # ------------------------------------------------------------ workbooks
    def create_workbook(self, ctx, definition, namespace="",
                        scope="private"):
        with self._work(ctx) as w:
            return views.as_dict(workbooks.save(
                w, definition, namespace, scope, _known(w, namespace)))

    def update_workbook(self, ctx, definition, namespace="", scope=None):
        with self._work(ctx) as w:
            return views.as_dict(workbooks.save(
                w, definition, namespace, scope, _known(w, namespace),
                update=True))

    def delete_workbook(self, ctx, name, namespace=""):
        with self._work(ctx) as w:
            workbooks.delete(w, name, namespace)

    # --------------------------------------------------------- environments
    def create_environment(self, ctx, name, values):
        with self._work(ctx) as w:
            return views.as_dict(environments.create(w, name, **values))

    def update_environment(self, ctx, name, values):
        with self._work(ctx) as w:
            return views.as_dict(environments.update(w, name, **values))

    def delete_environment(self, ctx, name):
        with self._work(ctx) as w:
            environments.delete(w, name)

    # ------------------------------------------------------- scheduled jobs
    def run_job(self, ctx, job_id, owner, method, payload, root_id):
        """Run a job the scheduler claimed (``engine/scheduler.py``).

        The job row is deleted in the unit of work that applies it; a job
        whose execution is paused waits, parked, for the resume.
        """
        try:
            with self._work(ctx, root_id) as w:
                task_ex = db_api.load_task(w.session, payload["task_ex_id"])
                step = executions.load_step(w, self._topics,
                                            task_ex.workflow_execution_id)
                if step.wf_ex.state == st.PAUSED:
                    db_jobs.park_job(w.session, job_id, owner)
                    return
                if not db_jobs.delete_job(w.session, job_id, owner):
                    return
                args = {k: v for k, v in payload.items()
                        if k != "task_ex_id"}
                policies.JOBS[method](step, task_ex, **args)
        except exc.NotFound:
            # The execution was deleted: nothing is left to continue.
            with self._db.writing() as session:
                db_jobs.delete_job(session, job_id, owner)


def _once(work, key, dry_run, method, payload, run):
    """Run ``run()`` once per idempotency key (inside the locked work)."""
    if not key or dry_run:
        return run()
    project = work.ctx.project_id
    digest = idempotency.request_hash(method, payload)
    stored = idempotency.lookup(work.session, project, key, digest)
    if stored is not None:
        return stored
    result = run()
    idempotency.record(work.session, project, key, digest, result)
    return result


def _known(work, namespace):
    return action_defs.known(work.session, namespace, work.ctx.project_id)


def _project_filter(ctx):
    return None if ctx.is_admin_role else ctx.project_id
