"""What ``task()``, ``execution()``, ``env()`` see inside the engine.

Reads go through the unit of work's session, so an expression sees the
rows as this transaction does, including what it wrote a moment ago.
"""
from mistral_resume import exceptions as exc
from mistral_resume.db import api as db_api
from mistral_resume.expressions import functions


def execution_view(wf_ex):
    return {
        "id": wf_ex.id,
        "name": wf_ex.name,
        "workflow_name": wf_ex.name,
        "input": wf_ex.input or {},
        "params": wf_ex.params or {},
        "state": wf_ex.state,
        "created_at": str(wf_ex.created_at),
        "updated_at": str(wf_ex.updated_at) if wf_ex.updated_at else None,
        "root_execution_id": wf_ex.root_execution_id,
        "task_execution_id": wf_ex.task_execution_id,
        "description": wf_ex.description,
    }


def task_view(task_ex):
    return {
        "id": task_ex.id,
        "name": task_ex.name,
        "type": task_ex.type,
        "spec": task_ex.spec,
        "state": task_ex.state,
        "state_info": task_ex.state_info,
        "result": task_ex.result,
        "published": task_ex.published or {},
        "workflow_execution_id": task_ex.workflow_execution_id,
    }


class EngineLookup(functions.Lookup):
    """The lookup for expressions evaluated for one task (or none)."""

    def __init__(self, session, wf_ex, current_task=None, env=None):
        self._session = session
        self._wf_ex = wf_ex
        self._current = current_task
        self._env = env

    def with_task(self, current_task):
        return EngineLookup(self._session, self._wf_ex, current_task,
                            self._env)

    def with_env(self, env):
        """The same lookup, ``env()`` answering ``env`` (a resume's)."""
        return EngineLookup(self._session, self._wf_ex, self._current, env)

    def execution(self):
        return execution_view(self._wf_ex)

    def env(self):
        if self._env is not None:
            return self._env
        return (self._wf_ex.params or {}).get("env") or {}

    def task(self, name=None):
        # The current task is the newest of its name, even before it is
        # saved with its result.
        if self._current is not None and name in (None,
                                                  self._current["name"]):
            return self._current
        if name is None:
            return None
        row = db_api.newest_task(self._session, self._wf_ex.id, name)
        return task_view(row) if row is not None else None

    def tasks(self, workflow_execution_id=None, recursive=False, state=None,
              flat=False):
        wf_ex_id = workflow_execution_id or self._wf_ex.id
        if wf_ex_id != self._wf_ex.id and not self._same_project(wf_ex_id):
            return []
        rows = db_api.tasks_of(self._session, wf_ex_id,
                               states=[state] if state else None, full=True)
        return [task_view(row) for row in rows]

    def _same_project(self, wf_ex_id):
        # Another project's execution reads as one that does not exist.
        try:
            db_api.get_execution(self._session, wf_ex_id,
                                 project_id=self._wf_ex.project_id)
        except exc.NotFound:
            return False
        return True

    def global_vars(self):
        # Input, vars and what tasks published as 'global' (Mistral keeps
        # them in the execution's context too).
        return self._wf_ex.context or {}
