"""The engine's RPC client: the one way the API writes anything.

Version history (bump the minor version when a verb or an argument is
added, the major when one is removed or changes meaning):

* 1.0 - start_workflow, update_execution, delete_execution,
        create_workflows, update_workflows, delete_workflow,
        on_action_complete, complete_action
* 1.1 - resume_execution, resume_task (re-run / skip failed tasks)
* 1.2 - run_action (Mistral's ad hoc action run)
* 1.3 - create_environment, update_environment, delete_environment
* 1.4 - create_workbook, update_workbook, delete_workbook,
        create_actions, update_actions, delete_action (ad hoc actions)
* 1.5 - on_action_complete may name the action's root execution (the
        executor echoes it from run_action), sparing the engine a read;
        it is cast to the results topic (:func:`results_topic`)
* 1.6 - run_inline: an engine hands the inline actions its unit of work
        left over to the engines (engine/inline.py), on the results topic
"""
import oslo_messaging as messaging

from mistral_resume import context
from mistral_resume import exceptions as exc
from mistral_resume.engine import adhoc

VERSION = "1.6"


def results_topic(engine_topic):
    """Where executors report results. Engines serve it apart from the
    topic of API calls, so a backlog of results (a 100-branch fan-out)
    never delays a start or a resume behind it."""
    return "%s_results" % engine_topic


def get_transport(conf):
    """The RPC transport for ``conf.transport_url`` (``inproc://`` default).

    Errors raised by the engine travel back as themselves when their module
    is listed here, so a 409 stays a 409 on the API side.
    """
    return messaging.get_rpc_transport(
        conf, allowed_remote_exmods=["mistral_resume.exceptions"])


class EngineClient:
    """Calls into any engine; a ``call`` waits for the answer."""

    def __init__(self, conf, transport):
        target = messaging.Target(topic=conf.engine.topic, version=VERSION)
        self._client = messaging.get_rpc_client(
            transport, target, serializer=context.ContextSerializer(),
            timeout=conf.engine.rpc_timeout)
        self._timeout = conf.engine.rpc_timeout
        self._results = self._client.prepare(
            topic=results_topic(conf.engine.topic), version=VERSION)

    def _call(self, ctx, method, **kwargs):
        try:
            return self._client.prepare(version=VERSION).call(ctx, method,
                                                              **kwargs)
        except messaging.MessagingTimeout:
            raise exc.EngineTimeout(
                "No engine answered %s within %s seconds ([engine] "
                "rpc_timeout): the engines are down, unreachable or busy. "
                "The request may still be applied: look before repeating "
                "it (a start repeated with the same execution id, or with "
                "the same Idempotency-Key, is not run twice)"
                % (method, self._timeout)) from None

    # -------------------------------------------------------- definitions
    def create_workflows(self, ctx, definition, namespace="", scope="private"):
        """:returns: list of workflow definition dicts.
        :raises: DSLParsingError (400), DuplicateEntry (409)."""
        return self._call(ctx, "create_workflows", definition=definition,
                          namespace=namespace, scope=scope)

    def update_workflows(self, ctx, definition, namespace="", scope=None):
        """:returns: list of dicts. :raises: DSLParsingError, NotFound."""
        return self._call(ctx, "update_workflows", definition=definition,
                          namespace=namespace, scope=scope)

    def delete_workflow(self, ctx, identifier, namespace=""):
        """:raises: NotFound, Conflict (executions still use it)."""
        return self._call(ctx, "delete_workflow", identifier=identifier,
                          namespace=namespace)

    # ---------------------------------------------------------- executions
    def start_workflow(self, ctx, workflow_identifier, namespace="",
                       workflow_input=None, description="", params=None,
                       execution_id=None, source_execution_id=None):
        """:returns: the execution dict.
        :raises: NotFound (workflow), WorkflowInputError (400)."""
        return self._call(
            ctx, "start_workflow", workflow_identifier=workflow_identifier,
            namespace=namespace, workflow_input=workflow_input or {},
            description=description, params=params or {},
            execution_id=execution_id,
            source_execution_id=source_execution_id)

    def update_execution(self, ctx, execution_id, state=None, state_info=None,
                         description=None, env=None):
        """Pause, resume, cancel, fail; or change the description.

        :returns: the execution dict.
        :raises: NotFound, InvalidStateTransition / Conflict (409)."""
        return self._call(ctx, "update_execution", execution_id=execution_id,
                          state=state, state_info=state_info,
                          description=description, env=env)

    def delete_execution(self, ctx, execution_id, force=False):
        """:raises: NotFound, Conflict (still running, unless force)."""
        return self._call(ctx, "delete_execution", execution_id=execution_id,
                          force=force)

    # --------------------------------------------------------------- resume
    def resume_execution(self, ctx, execution_id, resumes, comment=None,
                         dry_run=False, idempotency_key=None):
        """Re-run / skip failed tasks of an execution, atomically.

        ``resumes`` are ``workflow.requests.to_dict`` values.

        :returns: the execution dict, or the plan when ``dry_run``.
        :raises: NotFound, InputError (400), Conflict (409),
            IdempotencyKeyMismatch (422).
        """
        return self._call(ctx, "resume_execution", execution_id=execution_id,
                          resumes=resumes, comment=comment, dry_run=dry_run,
                          idempotency_key=idempotency_key)

    def resume_task(self, ctx, task_id, request, comment=None,
                    dry_run=False, idempotency_key=None):
        """Re-run or skip one failed task (PUT /v2/tasks/{id}).

        :returns: the task dict, or the plan when ``dry_run``.
        :raises: as resume_execution.
        """
        return self._call(ctx, "resume_task", task_id=task_id,
                          request=request,
                          comment=comment, dry_run=dry_run,
                          idempotency_key=idempotency_key)

    # -------------------------------------------------------------- actions
    def run_action(self, ctx, name, action_input=None, params=None,
                   description=None):
        """Mistral's ad hoc action run (``params``: run_sync, save_result,
        timeout).

        Waits longer than the engine waits for its executor.

        :returns: the action execution dict (``id`` None when not saved).
        :raises: InputError (400): unknown action, bad input or params;
            ExecutorTimeout (504).
        """
        limit = (params or {}).get("timeout")
        if isinstance(limit, bool) or not isinstance(limit, (int, float)):
            limit = None
        # The engine waits for its executor up to the limit plus a margin
        # (engine.adhoc.CALL_MARGIN): wait beyond that.
        wait = (limit or self._timeout) + 2 * adhoc.CALL_MARGIN
        return self._client.prepare(version=VERSION, timeout=wait).call(
            ctx, "run_action", name=name, action_input=action_input or {},
            params=params or {}, description=description)

    def on_action_complete(self, ctx, action_ex_id, result,
                           root_execution_id=None, retry=None):
        """An executor reports ``{"data": ..., "error": ...}`` (a cast);
        ``root_execution_id`` as ``run_action``'s ``execution`` had it.
        ``retry``: connection attempts before giving up (None: until the
        broker is back; 0: fail at once if it is away)."""
        kwargs = {"root_execution_id": root_execution_id} if (
            root_execution_id is not None) else {}
        results = self._results if retry is None else self._results.prepare(
            retry=retry)
        results.cast(ctx, "on_action_complete", action_ex_id=action_ex_id,
                     result=result, **kwargs)

    def complete_action(self, ctx, action_ex_id, state, output):
        """PUT /v2/action_executions/{id}: finish an asynchronous action.

        :returns: the action execution dict. :raises: NotFound, Conflict."""
        return self._call(ctx, "complete_action", action_ex_id=action_ex_id,
                          state=state, output=output)

    # ----------------------------------------------------- ad hoc actions
    def create_actions(self, ctx, definition, namespace="", scope="private"):
        """Create the ad hoc actions of an actions document.

        :returns: list of action definition dicts.
        :raises: DSLParsingError (400), DuplicateEntry (409)."""
        return self._call(ctx, "create_actions", definition=definition,
                          namespace=namespace, scope=scope)

    def update_actions(self, ctx, definition, namespace="", scope=None):
        """Replace existing standalone ad hoc actions.

        :returns: list of dicts.
        :raises: DSLParsingError (400), NotFound, DuplicateEntry (409)."""
        return self._call(ctx, "update_actions", definition=definition,
                          namespace=namespace, scope=scope)

    def delete_action(self, ctx, name, namespace=""):
        """:raises: NotFound, InputError (a system or workbook action)."""
        return self._call(ctx, "delete_action", name=name,
                          namespace=namespace)

    # ------------------------------------------------------------ workbooks
    def create_workbook(self, ctx, definition, namespace="", scope="private"):
        """Create a workbook, its workflows and its ad hoc actions.

        :returns: the workbook dict.
        :raises: DSLParsingError (400), DuplicateEntry (409)."""
        return self._call(ctx, "create_workbook", definition=definition,
                          namespace=namespace, scope=scope)

    def update_workbook(self, ctx, definition, namespace="", scope=None):
        """Replace a workbook's document, workflows and actions.

        :returns: the workbook dict.
        :raises: DSLParsingError (400), NotFound, DuplicateEntry (409)."""
        return self._call(ctx, "update_workbook", definition=definition,
                          namespace=namespace, scope=scope)

    def delete_workbook(self, ctx, name, namespace=""):
        """Delete a workbook with its workflows and actions.

        :raises: NotFound."""
        return self._call(ctx, "delete_workbook", name=name,
                          namespace=namespace)

    # --------------------------------------------------------- environments
    def create_environment(self, ctx, name, values):
        """``values``: description, variables, scope.

        :returns: the environment dict.
        :raises: InputError (400), DuplicateEntry (409)."""
        return self._call(ctx, "create_environment", name=name,
                          values=values)

    def update_environment(self, ctx, name, values):
        """:returns: the environment dict. :raises: NotFound, InputError."""
        return self._call(ctx, "update_environment", name=name,
                          values=values)

    def delete_environment(self, ctx, name):
        """:raises: NotFound."""
        return self._call(ctx, "delete_environment", name=name)
