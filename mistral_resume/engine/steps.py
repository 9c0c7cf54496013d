"""What the engine does to one workflow execution inside a unit of work.

A ``Step`` applies the pure core's decisions to rows: it starts task
executions and their action executions, completes tasks (publish, then the
transitions the conductor returns), and finishes the workflow when nothing
is left to run. It never commits and never sends: the unit of work does.
"""
import logging

from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import jobs as db_jobs
from mistral_resume.db import models
from mistral_resume.engine import action_defs
from mistral_resume.engine import finishing
from mistral_resume.engine import items
from mistral_resume.engine import joins
from mistral_resume.engine import lifecycle
from mistral_resume.engine import limits
from mistral_resume.engine import lookups
from mistral_resume.engine import policies
from mistral_resume.engine import reverse
from mistral_resume.engine import subworkflows
from mistral_resume.expressions import base as expr
from mistral_resume.spec import models as spec_models
from mistral_resume.workflow import conductor
from mistral_resume.workflow import data_flow
from mistral_resume.workflow import machines
from mistral_resume.workflow import policies as wp
from mistral_resume.workflow import statuses as st

LOG = logging.getLogger(__name__)


def set_state(session, machine, obj, state, **values):
    """Move ``obj`` to ``state`` through ``machine``, by compare-and-set.

    :returns: False for a table no-op (nothing written).
    :raises: InvalidStateTransition, LostRace.
    """
    if not machines.apply(machine, obj.state, state):
        return False
    db_api.cas_update_state(session, obj, obj.state,
                            dict(values, state=state))
    return True


class Step(finishing.Finishing, lifecycle.Lifecycle):
    """One execution's rows, changed within one unit of work."""

    def __init__(self, uow, wf_ex, wf_spec, topics):
        self.uow = uow
        self.session = uow.session
        self.wf_ex = wf_ex
        self.wf_spec = wf_spec
        self.topics = topics
        self.lookup = lookups.EngineLookup(self.session, wf_ex)
        # A resume applies all its changes before the execution may end.
        self.hold_completion = False
        # Upstream task names of joins, computed once per step.
        self.join_cache = {}
        # Task rows this step created: while one is incomplete, the
        # execution is not done (no need to count its tasks).
        self.created = []

    # ------------------------------------------------------------ starting
    def run_commands(self, commands):
        """Start tasks and apply engine commands, in order.

        :returns: the commands left when the execution stopped running
            (pause-before paused it, say): a resume runs them.
        """
        for i, command in enumerate(commands):
            if self.wf_ex.state != st.RUNNING:
                return [c for c in commands[i:] if not (
                    isinstance(c, conductor.WorkflowCommand)
                    and c.kind == "pause")]
            if isinstance(command, conductor.WorkflowCommand):
                self._apply_workflow_command(command)
            else:
                self.start_task(command)
        return []

    def start_task(self, command):
        task_spec = self.wf_spec.tasks[command.name]
        if task_spec.join:
            joins.arrive(self, command, task_spec)
            return
        task_ex = self._new_task(command, task_spec, st.RUNNING)
        self.begin(task_ex, task_spec)

    def begin(self, task_ex, task_spec, stage=wp.STAGE_PAUSE):
        """Start a task through its policies (pause-before, wait-before,
        timeout), then run it."""
        policies.begin(self, task_ex, task_spec, stage)

    def new_task(self, command, task_spec, state, unique_key=None):
        """A task execution row for ``command`` (flushed).

        :raises: DuplicateEntry if ``unique_key`` is taken (a join row
            another engine created).
        """
        task_ex = self._new_task(command, task_spec, state)
        task_ex.unique_key = unique_key
        db_api.flush_or_conflict(self.session, "Task %s" % (
            unique_key or task_ex.name))
        return task_ex

    def _new_task(self, command, task_spec, state):
        task_ex = models.TaskExecution(
            id=models.new_id(), name=task_spec.name,
            type="WORKFLOW" if task_spec.workflow else "ACTION",
            workflow_execution_id=self.wf_ex.id,
            root_execution_id=self.wf_ex.root_execution_id or self.wf_ex.id,
            workflow_name=self.wf_ex.name, workflow_id=self.wf_ex.workflow_id,
            project_id=self.wf_ex.project_id, state=state,
            spec=task_spec.to_dict(), in_context=command.data,
            triggered_by=list(command.triggered_by), published={},
            result=None, processed=False, has_next_tasks=False,
            started_at=models.utcnow())
        self.session.add(task_ex)
        self.created.append(task_ex)
        db_api.mark_triggering(self.session, command.triggered_by)
        # Written at the next flush (models.py orders it before its
        # actions): a chain of inline tasks is written in one go.
        return task_ex

    def run_task(self, task_ex, task_spec):
        """Run a started task: its action, sub-workflow or items."""
        if task_spec.with_items:
            items.start(self, task_ex, task_spec)
            return
        lookup = self.lookup.with_task(lookups.task_view(task_ex))
        try:
            action_input = data_flow.task_input(task_spec, task_ex.in_context,
                                                lookup)
            action_name = None if task_spec.workflow else expr.evaluate(
                task_spec.action or "std.noop", task_ex.in_context, lookup)
        except exc.ExpressionError as e:
            self.complete_task(task_ex, st.ERROR, None, str(e))
            return
        if task_spec.workflow:
            subworkflows.start(self, task_ex, task_spec, action_input,
                               task_ex.in_context)
            return
        self.schedule_action(task_ex, action_name, action_input,
                             attempt=(task_ex.retry_no or 0) + 1)

    _run = run_task

    def item_data(self, task_ex, index):
        """What ``$`` means for item ``index`` of a with-items task."""
        return items.item_data(self, task_ex, index)

    def start_child(self, task_ex, task_spec, wf_input, data,
                    item_index=None):
        """Start the sub-workflow of ``task_ex`` (one item's, maybe)."""
        return subworkflows.start(self, task_ex, task_spec, wf_input, data,
                                  item_index)

    def set_task_state(self, task_ex, state, **values):
        return set_state(self.session, machines.TASK, task_ex, state,
                         **values)

    def set_workflow_state(self, state, **values):
        return set_state(self.session, machines.WORKFLOW, self.wf_ex, state,
                         **values)

    def schedule_action(self, task_ex, action_name, action_input,
                        item_index=None, attempt=1):
        """Create the action execution and send it to an executor after
        commit; an ad hoc action is expanded to its base here, and one
        that cannot be (bad input) fails at once."""
        error = None
        try:
            run = action_defs.expand(
                self.session, action_name, action_input,
                lambda: task_ex.in_context,
                lambda: self.lookup.with_task(lookups.task_view(task_ex)),
                self.wf_ex.workflow_namespace, self.wf_ex.project_id,
                self.wf_ex.name, self.wf_spec.name)
        except (exc.InputError, exc.ExpressionError) as e:
            run = action_defs.Expansion(action_name, action_name,
                                        action_input, None)
            error = str(e)
        ax = models.ActionExecution(
            id=models.new_id(), name=run.name,
            task_execution_id=task_ex.id,
            workflow_execution_id=self.wf_ex.id,
            root_execution_id=task_ex.root_execution_id,
            workflow_name=self.wf_ex.name, task_name=task_ex.name,
            project_id=self.wf_ex.project_id, state=st.RUNNING,
            input=action_input, accepted=True, item_index=item_index,
            attempt=attempt, adhoc_outputs=run.outputs,
            adhoc_base=(None if run.outputs is None else
                        {"name": run.base, "input": run.base_input}))
        self.session.add(ax)
        if item_index is not None and (task_ex.items_started or 0) <= (
                item_index):
            # An item started out of the sweep (a re-run of items never
            # started): the sweep does not start it again.
            task_ex.items_started = item_index + 1
        if error is not None:
            self.session.flush()
            self.on_action_complete(ax, {"data": None, "error": error})
            return ax
        self.send_action(ax)
        return ax

    def send_action(self, ax):
        """Send ``ax`` to an executor after commit (again, after a lost
        executor: ``engine/leases.py``), or run it in this unit of work
        if it is one the engine runs itself (``engine/inline.py``)."""
        message = self.action_message(ax)
        inline = self.uow.inline
        if inline is not None and inline.takes(message["action_name"],
                                               message["action_input"]):
            inline.add(self, ax, message)
            return
        self.uow.send(self.topics.executor, "run_action", **message)

    def action_message(self, ax):
        """The arguments of the executor's ``run_action`` for ``ax``."""
        base = ax.adhoc_base or {"name": ax.name, "input": ax.input}
        return {"action_ex_id": ax.id, "action_name": base["name"],
                "action_input": base["input"],
                "execution": {"workflow_execution_id": self.wf_ex.id,
                              "root_execution_id": ax.root_execution_id,
                              "task_execution_id": ax.task_execution_id,
                              "task_name": ax.task_name,
                              "workflow_name": self.wf_ex.name,
                              "action_execution_id": ax.id}}

    # ---------------------------------------------------------- completing
    def on_action_complete(self, ax, result):
        """Record an executor's ``{"data", "error"}`` and move the task on."""
        if ax.adhoc_outputs:
            result = action_defs.transform(ax.adhoc_outputs, result,
                                           self.lookup)
        result = limits.action_result(result)
        failed = result.get("error") is not None
        state = st.ERROR if failed else st.SUCCESS
        output = ({"result": result.get("error")} if failed
                  else {"result": result.get("data")})
        if not set_state(self.session, machines.ACTION, ax, state,
                         output=output,
                         state_info=_error_text(result) if failed else None):
            return
        task_ex = db_api.load_task(self.session, ax.task_execution_id)
        if task_ex.state != st.RUNNING or not ax.accepted:
            return
        if ax.item_index is not None and task_ex.items_count is not None:
            items.on_item_complete(self, task_ex)
        elif failed:
            self.task_result(task_ex, st.ERROR, result.get("error"),
                             _task_error(task_ex, ax, result))
        else:
            self.task_result(task_ex, st.SUCCESS, result.get("data"))

    def task_result(self, task_ex, state, result, state_info=None):
        """The task's action(s) or sub-workflow(s) ended in ``state``: its
        end policies (fail-on, retry, wait-after) say what follows."""
        if task_ex.state in st.COMPLETED:
            return
        policies.on_result(self, task_ex, state, result, state_info)

    def task_spec(self, task_ex):
        """The task's spec: the workflow's own (parsed once per process),
        unless the row carries an ad hoc one (an injected noop)."""
        if task_ex.injected_for is None:
            spec = self.wf_spec.tasks.get(task_ex.name)
            if spec is not None:
                return spec
        return spec_models.TaskSpec.from_dict(task_ex.spec)

    def complete_task(self, task_ex, state, result, state_info=None,
                      published=None):
        task_spec = self.task_spec(task_ex)
        view = dict(lookups.task_view(task_ex), result=result, state=state,
                    state_info=state_info)
        if published is None:
            try:
                published = data_flow.publish(task_spec, state,
                                              task_ex.in_context,
                                              self.lookup.with_task(view))
            except exc.ExpressionError as e:
                state, published = st.ERROR, {}
                state_info = "Failed to publish variables: %s" % e
        if task_spec.advanced_publish:
            try:
                self._publish_global(task_spec, state, task_ex, view)
            except exc.ExpressionError as e:
                state, published = st.ERROR, {}
                state_info = "Failed to publish variables: %s" % e
        too_big = (limits.problem("The task result", result)
                   or limits.problem("The published data", published))
        if too_big is not None:
            state, result, published, state_info = st.ERROR, None, {}, (
                too_big)
        keep = task_spec.keep_result is not False
        if not set_state(self.session, machines.TASK, task_ex, state,
                         state_info=state_info,
                         result=result if keep else None,
                         published=published, finished_at=models.utcnow()):
            return
        if task_spec.timeout:
            db_jobs.delete_task_jobs(self.session, task_ex.id)
        if self.wf_ex.state == st.RUNNING:
            self.process(task_ex)
        self.check_completion()

    def _publish_global(self, task_spec, state, task_ex, view):
        """Advanced publish ``global``: into the execution's context, where
        ``global()`` reads it (Mistral 23)."""
        values = data_flow.publish_global(task_spec, state,
                                          task_ex.in_context,
                                          self.lookup.with_task(view))
        too_big = limits.problem("The global data", values)
        if too_big is not None:
            raise exc.ExpressionError(too_big)
        if values:
            self.wf_ex.context = data_flow.merge(self.wf_ex.context, values)

    def process(self, task_ex):
        """Follow the transitions of a finished task (once)."""
        task_spec = self.task_spec(task_ex)
        data = data_flow.outbound(task_ex.in_context, task_ex.published)
        view = lookups.task_view(task_ex)
        task_ex.processed = True
        try:
            if self.wf_spec.type == spec_models.REVERSE:
                commands = reverse.next_commands(self, task_ex)
            else:
                commands = conductor.next_commands(
                    task_spec, task_ex.id, task_ex.state, data,
                    self.lookup.with_task(view))
        except exc.ExpressionError as e:
            self.fail_workflow("Failed to evaluate the transitions of task "
                               "'%s': %s" % (task_ex.name, e))
            return
        self._run_split(task_ex, commands)
        joins.reconsider(self, task_ex.name)

    def run_pending(self, task_ex):
        """Run what a 'pause' left, now that the execution runs."""
        pending, task_ex.pending_commands = task_ex.pending_commands, None
        data = data_flow.outbound(task_ex.in_context, task_ex.published)
        self._run_split(task_ex, conductor.from_pending(pending, data))

    def _run_split(self, task_ex, commands):
        # What follows a 'pause' command, or what was left when the
        # execution paused on the way, waits on the task for the resume.
        head, tail = conductor.split_at_pause(commands)
        if tail:
            task_ex.pending_commands = conductor.to_pending(tail)
        left = self.run_commands(head)
        if left:
            task_ex.pending_commands = conductor.to_pending(left + tail)


def _error_text(result):
    error = result.get("error")
    return error if isinstance(error, str) else repr(error)


def _task_error(task_ex, ax, result):
    return "Failed to run action [action_ex_id=%s, action='%s']: %s" % (
        ax.id, ax.name, _error_text(result))


def load(uow, topics, wf_ex_id):
    """The step of an execution in this unit of work (one per execution).
    """
    return lifecycle.load(Step, uow, topics, wf_ex_id)


def start_execution(uow, topics, wf_def, wf_input, params, description="",
                    execution_id=None, source_execution_id=None):
    """Create a RUNNING execution of ``wf_def`` and start its first tasks.

    :raises: WorkflowInputError (400) for missing or unexpected input,
        InputError for an unknown environment.
    """
    return lifecycle.start(Step, uow, topics, wf_def, wf_input, params,
                           description, execution_id, source_execution_id)
