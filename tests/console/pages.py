"""What the browser tests share: the REST calls beside the page, bounded
waits, and the network log of what the page sent."""
import json
import time
import urllib.error
import urllib.request

from selenium.common import exceptions as selenium_exc
from selenium.webdriver.common.by import By
from selenium.webdriver.support import ui

WAIT = 30
# The page redraws what it refreshes: an element found may go stale.
REDRAWN = (selenium_exc.StaleElementReferenceException,)

# A with-items task whose items 1 and 3 fail, and a parallel branch that
# fails; both feed a join.
ORDERS = """\
---
version: '2.0'
%(name)s:
  input:
    - sizes: [1, "bad", 2, "worse"]
  output:
    sizes: <%% $.sizes_out %%>
    host: <%% $.host %%>
  tasks:
    prepare:
      action: std.echo output="ready"
      on-success:
        - resize
        - lookup
    resize:
      with-items: s in <%% $.sizes %%>
      action: std.test_dict size=<%% $.s %%>
      publish:
        sizes_out: <%% task().result.select($.len()) %%>
      on-success: report
    lookup:
      action: std.fail error_data="no route to inventory host"
      publish:
        host: <%% task().result.host %%>
      on-success: report
      on-error: alert
    alert:
      action: std.echo output="paged on-call"
    report:
      join: all
      action: std.echo output="done"
      on-complete: cleanup
    cleanup:
      action: std.noop
"""

WAITING = """\
---
version: '2.0'
%(name)s:
  tasks:
    hold:
      action: std.async_noop
      on-success: done
    done:
      action: std.noop
"""

# t2 fails on a bad env value; its input can be given anew.
CHAIN = """\
---
version: '2.0'
%(name)s:
  output:
    keys: <%% $.keys %%>
  tasks:
    t1:
      action: std.echo output="one"
      on-success: t2
    t2:
      action: std.test_dict
      input:
        size: <%% env().size %%>
        key_prefix: k
      publish:
        keys: <%% task().result.keys().orderBy($).toList() %%>
"""

PARENT = """\
---
version: '2.0'
%(name)s_child:
  tasks:
    inner:
      action: std.noop
%(name)s:
  tasks:
    call:
      workflow: %(name)s_child
"""


def api(server, method, path, body=None, text=False, headers=None):
    """``(status, JSON answer)`` of one REST call."""
    data = None
    all_headers = dict(headers or {})
    if body is not None:
        data = body.encode() if text else json.dumps(body).encode()
        all_headers["Content-Type"] = ("text/plain" if text
                                       else "application/json")
    request = urllib.request.Request(server["url"] + path, data=data,
                                     method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def poll(check, what, limit=WAIT):
    """The first truthy ``check()``, polled until ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.1)


def start(server, template, name, states, params=None):
    """Create the workflow(s), start ``name``, wait for one of
    ``states``; the execution as the API shows it."""
    status, _ = api(server, "POST", "/workflows", template % {"name": name},
                    text=True)
    assert status == 201
    body = {"workflow_name": name}
    if params:
        body["params"] = params
    status, ex = api(server, "POST", "/executions", body)
    assert status == 201
    return wait_execution(server, ex["id"], states)


def wait_execution(server, ex_id, states):
    def check():
        ex = api(server, "GET", "/executions/%s" % ex_id)[1]
        return ex if ex["state"] in states else None
    return poll(check, "execution %s in %s" % (ex_id, states))


def tasks(server, ex_id):
    """``{name: task}`` (the latest task execution of each name)."""
    rows = api(server, "GET", "/executions/%s/tasks" % ex_id)[1]["tasks"]
    return {t["name"]: t for t in sorted(
        rows, key=lambda t: (t["created_at"] or "", t["state"] != "SKIPPED"))}


def console_url(server, fragment=""):
    return server["url"][:-len("/v2")] + "/console/" + fragment


def _waiter(driver, limit):
    return ui.WebDriverWait(driver, limit, poll_frequency=0.1,
                            ignored_exceptions=REDRAWN)


def wait_for(driver, css, limit=WAIT, text=None):
    """The first element matching ``css`` (holding ``text``)."""
    def found(d):
        for el in d.find_elements(By.CSS_SELECTOR, css):
            if text is None or text in el.text:
                return el
        return False
    return _waiter(driver, limit).until(
        found, "no %s%s" % (css, " with %r" % text if text else ""))


def wait_gone(driver, css, limit=WAIT):
    _waiter(driver, limit).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, css),
        "%s still there" % css)


def task_state(driver, name):
    row = driver.find_element(By.CSS_SELECTOR,
                              "tr[data-task='%s'] .badge" % name)
    return row.text


def wait_task_state(driver, name, state):
    _waiter(driver, WAIT).until(
        lambda d: _safe(lambda: task_state(d, name)) == state,
        "task %s never showed %s" % (name, state))


def _safe(read):
    try:
        return read()
    except Exception:  # redrawn between find and read: try again
        return None


def sent(driver, method):
    """URLs the page sent with ``method`` since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.requestWillBeSent":
            continue
        request = message["params"]["request"]
        if request["method"] == method:
            urls.append(request["url"])
    return urls


def fill(element, text):
    element.clear()
    element.send_keys(text)
