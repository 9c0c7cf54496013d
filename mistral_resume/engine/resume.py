"""Resume a stopped execution: re-run or skip failed tasks, atomically.

One unit of work applies every planned resume of a request: it reopens the
executions (ERROR -> RUNNING, up to the root), moves each task (ERROR ->
RUNNING for a re-run, ERROR -> SKIPPED for a skip), records a comment, and
only then lets the work flow on, so a request naming several tasks either
applies whole or not at all. Plans come from the pure
``workflow/strategies.py``; a dry run returns them and writes nothing.
"""
import dataclasses

from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import items as db_items
from mistral_resume.db import joins as db_joins
from mistral_resume.db import models
from mistral_resume.engine import executions
from mistral_resume.engine import lookups
from mistral_resume.engine import steps
from mistral_resume.expressions import base as expr
from mistral_resume.spec import models as spec_models
from mistral_resume.workflow import data_flow
from mistral_resume.workflow import joins as workflow_joins
from mistral_resume.workflow import machines
from mistral_resume.workflow import requests
from mistral_resume.workflow import statuses as st
from mistral_resume.workflow import strategies


class Resumer:
    """Applies resume requests to one execution tree within a unit of work.

    Steps are kept per execution so every change to one execution goes
    through the same rows and the same completion hold.
    """

    def __init__(self, uow, topics):
        self.uow = uow
        self.session = uow.session
        self.topics = topics
        self._steps = {}

    def step(self, wf_ex_id):
        if wf_ex_id not in self._steps:
            step = executions.load_step(self.uow, self.topics, wf_ex_id)
            step.hold_completion = True
            self._steps[wf_ex_id] = step
        return self._steps[wf_ex_id]

    # ------------------------------------------------------------ finding
    def find_task(self, wf_ex, name_or_id):
        """The task a request names: its id, or its name in ``wf_ex``.

        :raises: InputError naming the failed tasks when nothing matches.
        """
        model = models.TaskExecution
        by_id = self.session.get(model, name_or_id)
        if by_id is not None and by_id.root_execution_id == (
                wf_ex.root_execution_id or wf_ex.id):
            return db_api.get_task(self.session, by_id.id, full=True)
        task_ex = db_api.newest_task(self.session, wf_ex.id, name_or_id)
        if task_ex is None:
            failed = db_api.tasks_of(self.session, wf_ex.id,
                                     states=[st.ERROR])
            raise exc.InputError(
                "Unknown task '%s' in execution %s; its failed tasks are: %s"
                % (name_or_id, wf_ex.id,
                   ", ".join("%s [id=%s]" % (t.name, t.id) for t in failed)
                   or "none"))
        return db_api.get_task(self.session, task_ex.id, full=True)

    def snapshot(self, task_ex):
        wf_ex = self.step(task_ex.workflow_execution_id).wf_ex
        with_items = task_ex.items_count is not None
        return strategies.TaskSnapshot(
            id=task_ex.id, name=task_ex.name, state=task_ex.state,
            execution_state=wf_ex.state,
            items_count=task_ex.items_count if with_items else None,
            item_states=(db_items.item_states(self.session, task_ex.id)
                         if with_items else None))

    def expand(self, request, task_ex, plan):
        """``[(request, task, plan)]``: a sub-workflow task's re-run resumes
        its failed child in place, its failed tasks recursively.

        :raises: InputError (input for the parent task), Conflict.
        """
        if plan.mode != requests.RERUN or task_ex.type != "WORKFLOW":
            return [(request, task_ex, plan)]
        if request.input:
            raise exc.InputError(
                "Task '%s' runs a sub-workflow: its re-run resumes the failed"
                " child execution in place, so 'input' belongs to the "
                "child's failed task; resume the child execution instead"
                % task_ex.name)
        if task_ex.items_count is not None:
            raise exc.Conflict(
                "Task '%s' runs a sub-workflow for each item: resume each "
                "failed child execution (PUT /v2/executions/<child id>)"
                % task_ex.name)
        failed = [c for c in db_api.child_executions(self.session,
                                                     task_ex.id)
                  if c.state == st.ERROR and c.accepted is not False]
        if not failed:
            raise exc.Conflict("Task '%s' has no failed child execution to "
                               "resume" % task_ex.name)
        child = failed[-1]
        expanded = [(request, task_ex,
                     dataclasses.replace(plan, child_id=child.id))]
        for child_task in db_api.tasks_of(self.session, child.id,
                                          states=[st.ERROR], full=True):
            sub = requests.TaskResume(task=child_task.id, env=request.env)
            sub_plan = strategies.plan(sub, self.snapshot(child_task))
            expanded.extend(self.expand(sub, child_task, sub_plan))
        return expanded

    # ---------------------------------------------------------- preparing
    def merged_env(self, task_ex, plan):
        params = self.step(task_ex.workflow_execution_id).wf_ex.params or {}
        env = params.get("env") or {}
        return data_flow.merge(env, plan.env) if plan.env else env

    def rerun_input(self, task_ex, plan, item_index=None):
        """``(action name, input)`` a re-run sends, without writing.

        Keys the request gives are not evaluated: an operator can replace
        exactly the input that fails.

        :raises: InputError if the rest cannot be evaluated.
        """
        step = self.step(task_ex.workflow_execution_id)
        spec = spec_models.TaskSpec.from_dict(task_ex.spec)
        lookup = step.lookup.with_env(self.merged_env(task_ex, plan))
        lookup = lookup.with_task(lookups.task_view(task_ex))
        overrides = dict(plan.input or {})
        overrides.update(plan.item_inputs.get(item_index) or {})
        data = step.item_data(task_ex, item_index) if (
            item_index is not None) else task_ex.in_context
        declared = spec.input if isinstance(spec.input, dict) else {}
        try:
            evaluated = expr.evaluate_recursively(
                {k: v for k, v in declared.items() if k not in overrides},
                data, lookup)
            name = expr.evaluate(spec.action or "std.noop", data, lookup)
        except exc.ExpressionError as e:
            raise exc.InputError(
                "Cannot re-run task '%s': its input cannot be evaluated (%s)."
                " Give the failing keys in 'input', or fix the data with "
                "'env'." % (task_ex.name, e))
        evaluated.update(overrides)
        return name, evaluated

    def describe(self, task_ex, plan):
        """The dry-run answer for one plan."""
        entry = {"task": task_ex.name, "task_execution_id": task_ex.id,
                 "workflow_execution_id": task_ex.workflow_execution_id,
                 "mode": plan.mode}
        if plan.child_id:
            entry["resumes_child_execution"] = plan.child_id
        elif plan.mode == requests.RERUN:
            indices = plan.items if plan.items is not None else (None,)
            entry["items"] = list(plan.items) if plan.items is not None \
                else None
            entry["actions"] = []
            for index in indices:
                name, action_input = self.rerun_input(task_ex, plan, index)
                entry["actions"].append({"index": index, "action": name,
                                         "input": action_input})
        else:
            entry["output"] = (None if plan.output is requests.NO_OUTPUT
                               else plan.output)
            entry["injects_noop_task"] = plan.injects
        entry["successors"] = self.successors(task_ex, plan)
        return entry

    def successors(self, task_ex, plan):
        spec = spec_models.TaskSpec.from_dict(task_ex.spec)
        if plan.mode == requests.RERUN:
            clauses = ("on_success", "on_complete")
        elif plan.injects:
            clauses = ("on_success", "on_complete")
        else:
            clauses = ("on_skip",) if spec.on_skip else ("on_success",)
        return sorted({t.target for c in clauses for t in getattr(spec, c)})

    # ----------------------------------------------------------- applying
    def reopen(self, wf_ex_id):
        """ERROR -> RUNNING for the execution and each parent up to the root.
        """
        step = self.step(wf_ex_id)
        if step.wf_ex.state == st.ERROR:
            steps.set_state(self.session, machines.WORKFLOW, step.wf_ex,
                            st.RUNNING, state_info=None, output=None,
                            finished_at=None)
        parent_task_id = step.wf_ex.task_execution_id
        if parent_task_id:
            parent = db_api.get_task(self.session, parent_task_id, full=True)
            if parent.state == st.ERROR:
                steps.set_state(self.session, machines.TASK, parent,
                                st.RUNNING, state_info=None,
                                finished_at=None)
            self.reopen(parent.workflow_execution_id)

    def apply_env(self, task_ex, plan):
        if not plan.env:
            return
        wf_ex_id = task_ex.workflow_execution_id
        while wf_ex_id:
            wf_ex = self.step(wf_ex_id).wf_ex
            params = dict(wf_ex.params or {})
            params["env"] = data_flow.merge(params.get("env") or {},
                                            plan.env)
            wf_ex.params = params
            parent = wf_ex.task_execution_id and db_api.get_task(
                self.session, wf_ex.task_execution_id)
            wf_ex_id = parent.workflow_execution_id if parent else None

    def start(self, task_ex, plan):
        """First phase: states only (nothing runs yet)."""
        self.apply_env(task_ex, plan)
        self.reopen(task_ex.workflow_execution_id)
        target = st.RUNNING if plan.mode == requests.RERUN else st.SKIPPED
        values = {"finished_at": None} if target == st.RUNNING else {}
        if target == st.RUNNING:
            values.update(state_info=None, result=None, published={})
        steps.set_state(self.session, machines.TASK, task_ex, target,
                        **values)
        task_ex.processed = False
        if plan.child_id:
            # Its failed tasks (if any) reopen it too; a child that failed
            # on its own output has none, and is decided again at finish().
            self.reopen(plan.child_id)
        self.reopen_joins(task_ex)

    def reopen_joins(self, task_ex):
        """Joins downstream that failed waiting for this task wait again.

        Only the newest round of each join: the resumed task arrives there
        (or, if it cannot, the join is decided again and fails again).
        """
        step = self.step(task_ex.workflow_execution_id)
        for name in workflow_joins.affected_joins(step.wf_spec,
                                                  task_ex.name):
            rounds = db_joins.join_tasks(self.session, step.wf_ex.id, name)
            if rounds and rounds[-1].state == st.ERROR:
                join = rounds[-1]
                steps.set_state(self.session, machines.TASK, join,
                                st.WAITING, state_info=None,
                                finished_at=None)
                join.processed = False

    def run(self, task_ex, plan, prepared):
        """Second phase: actions, publish, transitions."""
        step = self.step(task_ex.workflow_execution_id)
        if plan.child_id:
            return  # its child's failed tasks run again instead
        if plan.mode == requests.RERUN:
            indices = plan.items if plan.items is not None else (None,)
            db_items.reject_actions(self.session, task_ex.id,
                                    plan.items if plan.items is not None
                                    else None)
            for index in indices:
                name, action_input = prepared[index]
                attempt = db_items.newest_attempt(self.session, task_ex.id,
                                                  index) + 1
                step.schedule_action(task_ex, name, action_input,
                                     item_index=index, attempt=attempt)
        elif plan.injects:
            task_ex.processed = True
            self.inject(step, task_ex, plan.output)
        else:
            spec = spec_models.TaskSpec.from_dict(task_ex.spec)
            try:
                published = data_flow.publish(
                    spec, st.SKIPPED, task_ex.in_context,
                    step.lookup.with_task(lookups.task_view(task_ex)))
            except exc.ExpressionError as e:
                raise exc.InputError("Cannot skip task '%s': its "
                                     "publish-on-skip fails (%s)"
                                     % (task_ex.name, e))
            task_ex.published = published
            step.process(task_ex)

    def inject(self, step, skipped, output):
        """A noop task execution standing for the skipped one's success."""
        spec = strategies.adhoc_noop_spec(skipped.spec)
        noop = models.TaskExecution(
            id=models.new_id(), name=skipped.name, type="ACTION",
            workflow_execution_id=skipped.workflow_execution_id,
            root_execution_id=skipped.root_execution_id,
            workflow_name=skipped.workflow_name,
            workflow_id=skipped.workflow_id, project_id=skipped.project_id,
            state=st.RUNNING, spec=spec, in_context=skipped.in_context,
            triggered_by=list(skipped.triggered_by or []), published={},
            processed=False, has_next_tasks=False, injected_for=skipped.id,
            started_at=models.utcnow())
        self.session.add(noop)
        self.session.flush()
        step.complete_task(noop, st.SUCCESS, output)
        return noop

    def comment(self, wf_ex, operation, text):
        ctx = self.uow.ctx
        entry = {"created_at": models.utcnow().strftime("%Y-%m-%d %H:%M:%S"),
                 "user": ctx.user_id, "project": ctx.project_id,
                 "operation": operation, "text": text}
        wf_ex.comments = list(wf_ex.comments or []) + [entry]

    def finish(self):
        for step in self._steps.values():
            step.hold_completion = False
        for step in self._steps.values():
            step.check_completion()


def resume(uow, topics, wf_ex_id, resumes, comment=None, dry_run=False,
           resumes_execution=False):
    """Apply (or, with ``dry_run``, plan) resume requests on an execution.

    ``resumes_execution``: the request also resumes the execution itself
    (the executions door), so a PAUSED one is resumed with it.

    :returns: the execution's row, or the dry-run plan (a dict).
    :raises: InputError (400), Conflict (409); nothing is written then.
    """
    resumer = Resumer(uow, topics)
    wf_ex = resumer.step(wf_ex_id).wf_ex
    targets = []
    for request in resumes:
        task_ex = resumer.find_task(wf_ex, request.task)
        plan = strategies.plan(request, resumer.snapshot(task_ex),
                               resumes_execution)
        targets.extend(resumer.expand(request, task_ex, plan))
    if dry_run:
        return {"dry_run": True, "execution_id": wf_ex.id,
                "plan": [resumer.describe(t, p) for _, t, p in targets]}
    prepared = {}
    for _request, task_ex, plan in targets:
        if plan.mode == requests.RERUN and not plan.child_id:
            indices = plan.items if plan.items is not None else (None,)
            prepared[task_ex.id] = {
                i: resumer.rerun_input(task_ex, plan, i) for i in indices}
    for request, task_ex, plan in targets:
        resumer.start(task_ex, plan)
        text = request.describe(task_ex.name, plan.items is not None) + (
            ": %s" % comment if comment else "")
        resumer.comment(wf_ex, plan.mode, text)
        if task_ex.workflow_execution_id != wf_ex.id:
            resumer.comment(resumer.step(task_ex.workflow_execution_id).wf_ex,
                            plan.mode, text + " (through execution %s)"
                            % wf_ex.id)
    unpaused = wf_ex.state == st.PAUSED and steps.set_state(
        uow.session, machines.WORKFLOW, wf_ex, st.RUNNING, state_info=None)
    for _request, task_ex, plan in targets:
        resumer.run(task_ex, plan, prepared.get(task_ex.id))
    if unpaused:
        executions.continue_after_pause(resumer.step(wf_ex.id))
    resumer.finish()
    return wf_ex
