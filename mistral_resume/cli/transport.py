"""The HTTP calls the commands make, through either client.

Under ``mistral-resume`` the app carries an :class:`Api` (requests, the
URL and identity headers of its options). Under OpenStackClient the
commands find python-mistralclient's client at
``app.client_manager.workflow_engine`` (a keystoneauth session, the
endpoint from the catalog or ``--os-endpoint``-like overrides) and go
through its HTTP client with :class:`MistralClientApi`. Both answer the
parsed JSON body or raise :class:`ApiError` with the API's faultstring.
"""
import json
import urllib.parse

import requests


class ApiError(Exception):
    """The API refused: its HTTP status and its ``faultstring``."""

    def __init__(self, status, message):
        super().__init__(status, message)
        self.status = status
        self.message = message

    def __str__(self):
        if self.status is None:
            return self.message
        return "%s (HTTP %s)" % (self.message, self.status)


def _fault(response):
    try:
        body = response.json()
    except ValueError:
        return response.text or response.reason
    if isinstance(body, dict) and body.get("faultstring"):
        return body["faultstring"]
    return response.text


def answer(response):
    """The JSON body of a response. :raises: ApiError for a 4xx/5xx."""
    if response.status_code >= 400:
        raise ApiError(response.status_code, _fault(response))
    return response.json() if response.content else None


class Api:
    """``mistral-resume``'s own client: requests and plain headers."""

    def __init__(self, url, headers=None, timeout=120):
        self.url = url.rstrip("/")
        self.headers = dict(headers or {})
        self.timeout = timeout

    def request(self, method, path, body=None, params=None, headers=None):
        try:
            response = requests.request(
                method, self.url + path, json=body, params=params,
                headers=dict(self.headers, **(headers or {})),
                timeout=self.timeout)
        except requests.ConnectionError as e:
            raise ApiError(None, "Cannot reach the API at %s: %s"
                           % (self.url, e))
        return answer(response)


class MistralClientApi:
    """The same calls through python-mistralclient's ``HTTPClient``
    (``get(url, headers)``, ``put(url, body, headers)``, ``post``), whose
    base URL is the API's ``/v2``."""

    def __init__(self, http_client):
        self.http = http_client

    def request(self, method, path, body=None, params=None, headers=None):
        url = path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            if method == "GET":
                response = self.http.get(url, headers=headers)
            elif method in ("PUT", "POST"):
                call = self.http.put if method == "PUT" else self.http.post
                response = call(url, json.dumps(body), headers=headers)
            else:
                raise ValueError("unsupported method %s" % method)
        except Exception as e:
            # A keystoneauth session raises HttpError for a 4xx/5xx; the
            # response it carries holds the API's faultstring.
            response = getattr(e, "response", None)
            if response is None:
                raise
        return answer(response)


def api_of(app):
    """The API of the running app: ours, or OpenStackClient's."""
    api = getattr(app, "api", None)
    if api is not None:
        return api
    client = app.client_manager.workflow_engine
    http = getattr(client, "http_client", None) or (
        client.executions.http_client)
    return MistralClientApi(http)


def list_all(api, path, key, params=None):
    """Every row of a list, following Mistral's marker pagination."""
    params = dict(params or {})
    rows = []
    while True:
        page = api.request("GET", path, params=params)
        rows.extend(page[key])
        if not page.get("next") or not page[key]:
            return rows
        params["marker"] = page[key][-1]["id"]
