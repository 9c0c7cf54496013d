"""An execution's lifecycle: start, pause, resume, cancel.

``Lifecycle`` is a part of ``steps.Step``: what happens to one execution as
a whole, travelling the tree of sub-workflows (``subworkflows``), and what
a pause holds back until the resume (tasks held by pause-before, delays
that ended, with-items items not started, transitions of tasks that
finished meanwhile).
"""
from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import jobs as db_jobs
from mistral_resume.db import models
from mistral_resume.engine import items
from mistral_resume.engine import reverse
from mistral_resume.engine import subworkflows
from mistral_resume.spec import models as spec_models
from mistral_resume.workflow import conductor
from mistral_resume.workflow import data_flow
from mistral_resume.workflow import policies as wp
from mistral_resume.workflow import statuses as st


class Lifecycle:
    """Pause, resume and cancel of a ``Step``'s execution."""

    def start_execution(self, wf_def, wf_input, params, parent_task,
                        item_index=None):
        """A child execution of ``parent_task``, started in this work."""
        return start(type(self), self.uow, self.topics, wf_def, wf_input,
                     params, parent=(self.wf_ex, parent_task),
                     item_index=item_index)

    def for_execution(self, wf_ex_id):
        """The step of another execution of the same tree, same work."""
        return load(type(self), self.uow, self.topics, wf_ex_id)

    def pause_workflow(self, state_info=None, up=True):
        """Pause this execution, its running children and (``up``) its
        parents: Mistral pauses the whole tree."""
        if not self.set_workflow_state(st.PAUSED, state_info=state_info):
            return
        subworkflows.pause_children(self)
        if up:
            subworkflows.pause_parent(self)

    def resume_workflow(self, up=True):
        """Resume this paused execution, its paused children and (``up``)
        a parent no longer held by any paused task."""
        if not self.set_workflow_state(st.RUNNING, state_info=None):
            return
        self.continue_after_pause()
        if up:
            subworkflows.resume_parent(self)

    def continue_after_pause(self):
        """Go on with what a pause held back: paused children, tasks held
        by pause-before, delays that ended, items not started, and the
        transitions of tasks that finished meanwhile."""
        subworkflows.resume_children(self)
        self._continue_held()
        for task_ex in db_api.tasks_to_continue(self.session, self.wf_ex.id,
                                                st.COMPLETED):
            if self.wf_ex.state != st.RUNNING:
                break
            if not task_ex.processed:
                self.process(task_ex)
            elif task_ex.pending_commands:
                self.run_pending(task_ex)
        self.check_completion()

    def _continue_held(self):
        held = db_api.tasks_of(self.session, self.wf_ex.id,
                               states=(st.IDLE, st.DELAYED, st.RUNNING),
                               full=True)
        delayed = [t.id for t in held if t.state == st.DELAYED]
        if delayed and db_jobs.unpark_jobs(self.session, delayed,
                                          models.utcnow()):
            # Parked jobs are due now: wake the scheduler after commit.
            self.uow.jobs.append("unparked")
        for task_ex in held:
            if self.wf_ex.state != st.RUNNING:
                return
            if task_ex.state == st.IDLE:
                task_spec = spec_models.TaskSpec.from_dict(task_ex.spec)
                self.begin(task_ex, task_spec, wp.STAGE_WAIT)
            elif task_ex.state == st.RUNNING and task_ex.items_count:
                items.resume(self, task_ex)
            if task_ex.pending_commands and task_ex.state in st.INCOMPLETE:
                self.run_pending(task_ex)

    def cancel_workflow(self, state_info=None):
        """Cancel this execution and its unfinished children; tasks that
        wait or are delayed are cancelled, running ones finish."""
        if not self.set_workflow_state(st.CANCELLED, state_info=state_info,
                                       finished_at=models.utcnow()):
            return
        for task_ex in db_api.tasks_of(self.session, self.wf_ex.id,
                                       states=(st.WAITING, st.DELAYED,
                                               st.IDLE)):
            self.set_task_state(task_ex, st.CANCELLED,
                                finished_at=models.utcnow())
        subworkflows.cancel_children(self, state_info)
        for task_ex in db_api.tasks_of(self.session, self.wf_ex.id,
                                       states=(st.RUNNING,)):
            if task_ex.items_count is not None:
                items.finish_if_done(self, task_ex)
        subworkflows.on_child_end(self)


def load(step_class, uow, topics, wf_ex_id):
    """The step of an execution in this unit of work (one per execution).
    """
    cached = uow.steps.get(wf_ex_id)
    if cached is None:
        wf_ex = db_api.get_execution(uow.session, wf_ex_id)
        spec = _parsed_spec(uow, wf_ex_id, wf_ex)
        cached = uow.steps[wf_ex_id] = step_class(uow, wf_ex, spec, topics)
    return cached


def _parsed_spec(uow, key, row):
    """The parsed spec of ``row`` (an execution, or a definition) from the
    engine's cache under ``key``; the row's deferred spec column is read
    only when the cache does not have it."""
    spec = uow.specs.get(key) if uow.specs is not None else None
    if spec is None:
        spec = spec_models.WorkflowSpec.from_dict(row.spec)
        if uow.specs is not None:
            uow.specs.put(key, spec)
    return spec


def _environment(uow, params):
    """``params`` with ``env`` given by name replaced by its variables.

    :raises: InputError for an unknown environment name.
    """
    env = (params or {}).get("env")
    if not isinstance(env, str):
        return dict(params or {})
    try:
        row = db_api.find_environment(uow.session, env, uow.ctx.project_id)
    except exc.NotFound:
        raise exc.InputError("Environment is not found: %s" % env)
    return dict(params, env=dict(row.variables or {}))


def start(step_class, uow, topics, wf_def, wf_input, params, description="",
          execution_id=None, source_execution_id=None, parent=None,
          item_index=None):
    """Create a RUNNING execution of ``wf_def`` and start its first tasks.

    :param step_class: ``steps.Step``.
    :param parent: ``(parent execution, parent task)`` for a sub-workflow.
    :raises: WorkflowInputError (400) for missing or unexpected input,
        InputError for an unknown environment.
    """
    # Once per version of the definition per process: a definition row
    # changes only by an update, which moves its ``updated_at``.
    wf_spec = _parsed_spec(
        uow, ("definition", wf_def.id, wf_def.updated_at), wf_def)
    checked_input = data_flow.workflow_input(wf_spec, wf_input)
    ex_id = execution_id or models.new_id()
    wf_ex = models.WorkflowExecution(
        id=ex_id, name=wf_def.name, workflow_id=wf_def.id,
        workflow_namespace=wf_def.namespace, description=description or "",
        spec=wf_spec.to_dict(), state=st.RUNNING, input=checked_input,
        params=_environment(uow, params), root_execution_id=ex_id,
        source_execution_id=source_execution_id,
        project_id=uow.ctx.project_id, user_id=uow.ctx.user_id, comments=[],
        accepted=True, item_index=item_index)
    if parent is not None:
        parent_ex, parent_task = parent
        wf_ex.task_execution_id = parent_task.id
        wf_ex.root_execution_id = parent_task.root_execution_id
        wf_ex.project_id = parent_ex.project_id
        wf_ex.user_id = parent_ex.user_id
        wf_ex.description = "Sub-workflow execution of task %s [id=%s]" % (
            parent_task.name, parent_task.id)
    uow.session.add(wf_ex)
    step = uow.steps[ex_id] = step_class(uow, wf_ex, wf_spec, topics)
    if uow.specs is not None:
        uow.specs.put(ex_id, wf_spec)
    try:
        wf_ex.context = data_flow.initial_context(wf_spec, checked_input,
                                                  step.lookup)
    except exc.ExpressionError as e:
        step.fail_workflow("Failed to evaluate the workflow vars: %s" % e)
        return wf_ex
    # Not flushed here: its INSERT goes with its tasks' at the commit, and
    # carries the state it has by then.
    if wf_spec.type == spec_models.REVERSE:
        commands = reverse.start_commands(step)
    else:
        commands = conductor.start_commands(wf_spec, wf_ex.context)
    left = step.run_commands(commands)
    if left:
        # Paused while starting (a start task's pause-before): the other
        # start tasks wait on the newest task for the resume.
        newest = db_api.tasks_of(uow.session, ex_id)[-1]
        newest.pending_commands = (newest.pending_commands or []) + (
            conductor.to_pending(left))
    step.check_completion()
    return wf_ex
