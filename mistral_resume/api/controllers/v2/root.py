"""``GET /v2``: the root document, and the v2 resources under it."""
import pecan
from wsme import types as wtypes

from mistral_resume.api.controllers.v2 import action_executions
from mistral_resume.api.controllers.v2 import actions
from mistral_resume.api.controllers.v2 import environments
from mistral_resume.api.controllers.v2 import executions
from mistral_resume.api.controllers.v2 import tasks
from mistral_resume.api.controllers.v2 import workbooks
from mistral_resume.api.controllers.v2 import workflows
from mistral_resume.api import hooks
from mistral_resume.api import openapi
from mistral_resume.api.types import base


class RootResource(base.Resource):
    uri = wtypes.text


class Controller:
    workflows = workflows.WorkflowsController()
    executions = executions.ExecutionsController()
    tasks = tasks.TasksController()
    action_executions = action_executions.ActionExecutionsController()
    actions = actions.ActionsController()
    environments = environments.EnvironmentsController()
    workbooks = workbooks.WorkbooksController()

    @hooks.expose(RootResource)
    def index(self):
        return RootResource(uri="%s/v2" % pecan.request.application_url)


# Not a Python name: routed by pecan.route.
pecan.route(Controller, "openapi.json", openapi.OpenAPIController())
