"""How an execution ends: when nothing is left to run, succeed, fail or
cancel it, with its output.

``Finishing`` is a part of ``steps.Step``. ``check_completion`` runs after
every change that may have been the last: while a task this step created
is still incomplete it reads nothing; else it counts the execution's
incomplete tasks, and ends the execution once there are none.
"""
import logging

from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.db import models
from mistral_resume.engine import limits
from mistral_resume.engine import lookups
from mistral_resume.engine import subworkflows
from mistral_resume.workflow import conductor
from mistral_resume.workflow import data_flow
from mistral_resume.workflow import statuses as st

LOG = logging.getLogger(__name__)


class Finishing:
    """The end of a ``Step``'s execution."""

    def check_completion(self):
        if self.wf_ex.state != st.RUNNING or self.hold_completion:
            return
        if self.created_incomplete():
            return
        if db_api.count_incomplete_tasks(self.session, self.wf_ex.id,
                                         st.INCOMPLETE):
            return
        # Both index range scans: a long history costs nothing here.
        counts = db_api.task_state_counts(self.session, self.wf_ex.id,
                                          (st.CANCELLED, st.ERROR))
        cancelled = counts.get(st.CANCELLED) and db_api.tasks_of(
            self.session, self.wf_ex.id, states=[st.CANCELLED])
        if cancelled:
            # Mistral: a cancelled task (a cancelled sub-workflow) cancels
            # the execution once nothing else runs.
            self.cancel_workflow("Cancelled tasks: %s" % ", ".join(
                "%s [task_ex_id=%s]" % (t.name, t.id) for t in cancelled))
            return
        unhandled = counts.get(st.ERROR) and [t for t in db_api.tasks_of(
            self.session, self.wf_ex.id, states=[st.ERROR], full=True)
            if not self.error_handled(t)]
        if unhandled:
            self.fail_workflow(_failure_message(unhandled))
        else:
            self.succeed_workflow()

    def created_incomplete(self):
        """Whether a task row this step created is still incomplete (then
        the execution is not done). Rows found complete are dropped from
        the end of the list: each is looked at about once."""
        rows = self.created
        while rows and rows[-1].state not in st.INCOMPLETE:
            rows.pop()
        return bool(rows)

    def error_handled(self, task_ex):
        spec = self.task_spec(task_ex)
        data = data_flow.outbound(task_ex.in_context, task_ex.published)
        try:
            return conductor.error_handled(
                spec, data, self.lookup.with_task(lookups.task_view(task_ex)))
        except exc.ExpressionError:
            return False

    def final_context(self):
        # Mistral merges every completed end task (no outbound task), a
        # failed one too: output-on-error sees what led to the failure.
        context = dict(self.wf_ex.context or {})
        for task in db_api.tasks_of(self.session, self.wf_ex.id,
                                    states=st.COMPLETED, full=True,
                                    ends_only=True):
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
        too_big = limits.problem("The workflow output", output)
        if too_big is not None:
            self.fail_workflow(too_big)
            return
        if self.set_workflow_state(st.SUCCESS, output=output,
                                   state_info=None,
                                   finished_at=models.utcnow()):
            subworkflows.on_child_end(self)

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
            too_big = limits.problem("The output-on-error", output)
            if too_big is not None:
                output = {"result": "%s\n%s" % (message, too_big)}
        if self.set_workflow_state(st.ERROR, output=output,
                                   state_info=message,
                                   finished_at=models.utcnow()):
            subworkflows.on_child_end(self)

    def _apply_workflow_command(self, command):
        if command.kind == "fail":
            self.fail_workflow(command.msg or "Workflow failed by the 'fail'"
                                              " command")
        elif command.kind == "succeed":
            self.succeed_workflow()
        else:
            self.pause_workflow(command.msg)


def _failure_message(failed_tasks):
    lines = ["Failure caused by error in tasks: %s" % ", ".join(
        t.name for t in failed_tasks), ""]
    for t in failed_tasks:
        lines.append("  %s [task_ex_id=%s] -> %s" % (t.name, t.id,
                                                     t.state_info))
    return "\n".join(lines)
