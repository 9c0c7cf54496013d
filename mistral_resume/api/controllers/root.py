"""``GET /``: the API versions, as Mistral lists them."""
import pecan
from wsme import types as wtypes

from mistral_resume.api.controllers.v2 import root as v2_root
from mistral_resume.api import hooks
from mistral_resume.api.types import base


class Link(base.Resource):
    href = wtypes.text
    target = wtypes.text


class APIVersion(base.Resource):
    id = wtypes.text
    status = wtypes.text
    link = Link


class RootController:
    v2 = v2_root.Controller()

    @hooks.expose([APIVersion])
    def index(self):
        href = "%s/v2" % pecan.request.application_url
        return [APIVersion(id="v2.0", status="CURRENT",
                           link=Link(href=href, target="v2"))]
