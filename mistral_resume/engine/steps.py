"""What the engine does to one workflow execution inside a unit of work.

A ``Step`` applies the pure core's decisions to rows: it starts task
executions and their action executions, completes tasks (publish, then the
transitions the conductor returns), and finishes the workflow when nothing
is left to run. It never commits and never sends: the unit of work does.
"""
import logging

from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume.engine import lookups
from mistral_resume.expressions import base as expr
from mistral_resume.spec import models as spec_models
from mistral_resume.workflow import conductor
from mistral_resume.workflow import data_flow
from mistral_resume.workflow import machines
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


class Step:
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

    # ------------------------------------------------------------ starting
    def run_commands(self, commands):
        for command in commands:
            if self.wf_ex.state != st.RUNNING:
                return
            if isinstance(command, conductor.WorkflowCommand):
                self._apply_workflow_command(command)
            else:
                self.start_task(command)

    def start_task(self, command):
        task_spec = self.wf_spec.tasks[command.name]
        if task_spec.join:
            self._arrive_at_join(command, task_spec)
            return
        task_ex = self._new_task(command, task_spec, st.RUNNING)
        self._run(task_ex, task_spec)

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
            processed=False, started_at=models.utcnow())
        self.session.add(task_ex)
        # Without ORM relationships the flush order is not by foreign key:
        # the task row must exist before its action rows.
        self.session.flush()
        return task_ex

    def _arrive_at_join(self, command, task_spec):
        """Reuse the waiting join task execution; start it when satisfied.

        The unique key makes a second join row impossible even if two
        engines got here at once without the root lock.
        """
        key = "join:%s:%s" % (self.wf_ex.id, task_spec.name)
        task_ex = db_api.join_task(self.session, key)
        if task_ex is None:
            task_ex = self._new_task(command, task_spec, st.WAITING)
            task_ex.unique_key = key
            db_api.flush_or_conflict(self.session, "Join task %s" % key)
        elif task_ex.state == st.WAITING:
            task_ex.triggered_by = task_ex.triggered_by + list(
                command.triggered_by)
            task_ex.in_context = data_flow.merge(task_ex.in_context,
                                                 command.data)
        else:
            return
        arrived = {t["task_id"] for t in task_ex.triggered_by}
        needed = len(self.wf_spec.inbound(task_spec.name))
        if task_spec.join != "all":
            needed = min(needed, int(task_spec.join))
        if len(arrived) >= needed:
            set_state(self.session, machines.TASK, task_ex, st.RUNNING)
            self._run(task_ex, task_spec)

    def _run(self, task_ex, task_spec):
        lookup = self.lookup.with_task(lookups.task_view(task_ex))
        try:
            action_input = data_flow.task_input(task_spec, task_ex.in_context,
                                                lookup)
            action_name = expr.evaluate(task_spec.action or "std.noop",
                                        task_ex.in_context, lookup)
        except exc.ExpressionError as e:
            self.complete_task(task_ex, st.ERROR, None, str(e))
            return
        if task_spec.workflow:
            self.complete_task(task_ex, st.ERROR, None,
                               "Sub-workflows are not supported yet")
            return
        self.schedule_action(task_ex, action_name, action_input)

    def schedule_action(self, task_ex, action_name, action_input,
                        item_index=None, attempt=1):
        ax = models.ActionExecution(
            id=models.new_id(), name=action_name,
            task_execution_id=task_ex.id,
            workflow_execution_id=self.wf_ex.id,
            root_execution_id=task_ex.root_execution_id,
            workflow_name=self.wf_ex.name, task_name=task_ex.name,
            project_id=self.wf_ex.project_id, state=st.RUNNING,
            input=action_input, accepted=True, item_index=item_index,
            attempt=attempt)
        self.session.add(ax)
        self.uow.send(self.topics.executor, "run_action",
                      action_ex_id=ax.id, action_name=action_name,
                      action_input=action_input,
                      execution={"workflow_execution_id": self.wf_ex.id,
                                 "task_execution_id": task_ex.id,
                                 "task_name": task_ex.name,
                                 "workflow_name": self.wf_ex.name,
                                 "action_execution_id": ax.id})
        return ax

    # ---------------------------------------------------------- completing
    def on_action_complete(self, ax, result):
        """Record an executor's ``{"data", "error"}`` and move the task on."""
        failed = result.get("error") is not None
        state = st.ERROR if failed else st.SUCCESS
        output = ({"result": result.get("error")} if failed
                  else {"result": result.get("data")})
        if not set_state(self.session, machines.ACTION, ax, state,
                         output=output,
                         state_info=_error_text(result) if failed else None):
            return
        task_ex = db_api.get_task(self.session, ax.task_execution_id,
                                  full=True)
        if task_ex.state != st.RUNNING or not ax.accepted:
            return
        if failed:
            self.complete_task(task_ex, st.ERROR, result.get("error"),
                               _task_error(task_ex, ax, result))
        else:
            self.complete_task(task_ex, st.SUCCESS, result.get("data"))

    def complete_task(self, task_ex, state, result, state_info=None):
        task_spec = spec_models.TaskSpec.from_dict(task_ex.spec)
        view = dict(lookups.task_view(task_ex), result=result, state=state,
                    state_info=state_info)
        try:
            published = data_flow.publish(task_spec, state,
                                          task_ex.in_context,
                                          self.lookup.with_task(view))
        except exc.ExpressionError as e:
            state, published = st.ERROR, {}
            state_info = "Failed to publish variables: %s" % e
        keep = task_spec.keep_result is not False
        set_state(self.session, machines.TASK, task_ex, state,
                  state_info=state_info, result=result if keep else None,
                  published=published, finished_at=models.utcnow())
        if self.wf_ex.state == st.RUNNING:
            self.process(task_ex)
        self.check_completion()

    def process(self, task_ex):
        """Follow the transitions of a finished task (once)."""
        task_spec = spec_models.TaskSpec.from_dict(task_ex.spec)
        data = data_flow.outbound(task_ex.in_context, task_ex.published)
        view = lookups.task_view(task_ex)
        task_ex.processed = True
        try:
            commands = conductor.next_commands(
                task_spec, task_ex.id, task_ex.state, data,
                self.lookup.with_task(view))
        except exc.ExpressionError as e:
            self.fail_workflow("Failed to evaluate the transitions of task "
                               "'%s': %s" % (task_ex.name, e))
            return
        head, tail = conductor.split_at_pause(commands)
        if tail:
            task_ex.pending_commands = conductor.to_pending(tail)
        self.run_commands(head)

    def run_pending(self, task_ex):
        """Run what a 'pause' command left, now that the execution runs."""
        pending, task_ex.pending_commands = task_ex.pending_commands, None
        data = data_flow.outbound(task_ex.in_context, task_ex.published)
        commands = conductor.from_pending(pending, data)
        head, tail = conductor.split_at_pause(commands)
        if tail:
            task_ex.pending_commands = conductor.to_pending(tail)
        self.run_commands(head)

    # ----------------------------------------------------------- finishing
    def check_completion(self):
        if self.wf_ex.state != st.RUNNING or self.hold_completion:
            return
        if db_api.count_incomplete_tasks(self.session, self.wf_ex.id,
                                         st.INCOMPLETE):
            return
        unhandled = [t for t in db_api.tasks_of(
            self.session, self.wf_ex.id, states=[st.ERROR], full=True)
            if not self.error_handled(t)]
        if unhandled:
            self.fail_workflow(_failure_message(unhandled))
        else:
            self.succeed_workflow()

    def error_handled(self, task_ex):
        spec = spec_models.TaskSpec.from_dict(task_ex.spec)
        data = data_flow.outbound(task_ex.in_context, task_ex.published)
        try:
            return conductor.error_handled(
                spec, data, self.lookup.with_task(lookups.task_view(task_ex)))
        except exc.ExpressionError:
            return False

    def final_context(self):
        tasks = db_api.tasks_of(self.session, self.wf_ex.id, full=True)
        triggering = {t["task_id"] for task in tasks
                      for t in task.triggered_by or ()}
        context = dict(self.wf_ex.context or {})
        for task in tasks:
            if task.id not in triggering and task.state in st.FINISHED_OK:
                context = data_flow.merge(context, data_flow.outbound(
                    task.in_context, task.published))
        return context

    def succeed_workflow(self):
        try:
            output = data_flow.workflow_output(
                self.wf_spec.output, self.final_context(), self.lookup)
        except exc.ExpressionError as e:
            self.fail_workflow("Failed to evaluate the workflow output: %s"
                               % e)
            return
        set_state(self.session, machines.WORKFLOW, self.wf_ex, st.SUCCESS,
                  output=output, state_info=None,
                  finished_at=models.utcnow())

    def fail_workflow(self, message):
        output = {"result": message}
        if self.wf_spec.output_on_error is not None:
            try:
                output = data_flow.merge(output, data_flow.workflow_output(
                    self.wf_spec.output_on_error, self.final_context(),
                    self.lookup))
            except exc.ExpressionError as e:
                LOG.warning("output-on-error of %s failed: %s",
                            self.wf_ex.id, e)
        set_state(self.session, machines.WORKFLOW, self.wf_ex, st.ERROR,
                  output=output, state_info=message,
                  finished_at=models.utcnow())

    def _apply_workflow_command(self, command):
        if command.kind == "fail":
            self.fail_workflow(command.msg or "Workflow failed by the 'fail'"
                                              " command")
        elif command.kind == "succeed":
            self.succeed_workflow()
        else:
            set_state(self.session, machines.WORKFLOW, self.wf_ex, st.PAUSED,
                      state_info=command.msg)


def _error_text(result):
    error = result.get("error")
    return error if isinstance(error, str) else repr(error)


def _task_error(task_ex, ax, result):
    return "Failed to run action [action_ex_id=%s, action='%s']: %s" % (
        ax.id, ax.name, _error_text(result))


def _failure_message(failed_tasks):
    lines = ["Failure caused by error in tasks: %s" % ", ".join(
        t.name for t in failed_tasks), ""]
    for t in failed_tasks:
        lines.append("  %s [task_ex_id=%s] -> %s" % (t.name, t.id,
                                                     t.state_info))
    return "\n".join(lines)
