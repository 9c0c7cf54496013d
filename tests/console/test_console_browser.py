"""The console in a real browser against the real server process.

Each test checks what the page shows and what the API then reports.
"""
import json

import pytest
from selenium.webdriver.common import action_chains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.console import pages


def _open_execution(browser, server, ex_id):
    browser.get(pages.console_url(server, "#/executions/" + ex_id))
    pages.wait_for(browser, "#ex-state .badge")
    pages.wait_for(browser, "svg.graph .node")


def _css(browser, css):
    return browser.find_element(By.CSS_SELECTOR, css)


def test_rerun_two_picked_items_then_skip_with_output(server, browser,
                                                      screenshots):
    ex = pages.start(server, pages.ORDERS, "orders", ("ERROR",))
    browser.get(pages.console_url(server))
    row = pages.wait_for(browser, "tr[data-id='%s']" % ex["id"])
    assert "ERROR" in row.text and "orders" in row.text
    screenshots(browser, "executions-list")

    row.find_element(By.TAG_NAME, "a").click()
    pages.wait_task_state(browser, "resize", "ERROR")
    node = pages.wait_for(browser, "svg.graph .node[data-task='resize']")
    assert "state-error" in node.get_attribute("class")
    join = _css(browser, "svg.graph .node[data-task='report']")
    assert "join" in join.get_attribute("class")
    assert "join: all" in join.get_attribute("aria-label")
    edges = browser.find_elements(By.CSS_SELECTOR, "path.edge-on-error")
    assert len(edges) == 1  # lookup -> alert

    # The items: 1 and 3 failed, with their errors.
    _css(browser, "button[data-toggle='resize']").click()
    items = pages.wait_for(browser, "table.items")
    failed = [r.get_attribute("data-item") for r in items.find_elements(
        By.CSS_SELECTOR, ":scope > tbody > tr") if "ERROR" in r.text]
    assert failed == ["1", "3"]
    assert "invalid literal for int()" in items.text
    screenshots(browser, "execution-failed")

    # Re-run items 1 and 3, each with new input; the plan first.
    _css(browser, "button[data-rerun='resize']").click()
    title = pages.wait_for(browser, "#action-title")
    assert browser.switch_to.active_element == title
    _css(browser, "#items-mode-picked").click()
    for index, size in ((1, 3), (3, 4)):
        _css(browser, "#pick-%d" % index).click()
        editor = browser.find_element(
            By.XPATH, "//label[text()='Input for item %d']"
                      "/following-sibling::textarea" % index)
        pages.fill(editor, json.dumps({"size": size}))
    pages.fill(_css(browser, "#action-comment"), "sizes fixed by hand")
    assert not _css(browser, "#action-apply").is_enabled()
    _css(browser, "#action-preview").click()
    plan = pages.wait_for(browser, "table.plan")
    plan_rows = [r.text for r in plan.find_elements(By.CSS_SELECTOR,
                                                    ":scope > tbody > tr")]
    assert len(plan_rows) == 2
    assert "rerun" in plan_rows[0] and '"size": 3' in plan_rows[0]
    assert '"size": 4' in plan_rows[1] and "report" in plan_rows[1]
    screenshots(browser, "rerun-plan")
    # The dry run changed nothing.
    assert pages.tasks(server, ex["id"])["resize"]["state"] == "ERROR"

    _css(browser, "#action-apply").click()
    done = pages.wait_for(browser, ".alert-ok")
    assert "Applied" in done.text
    pages.wait_execution(server, ex["id"], ("ERROR",))
    pages.poll(lambda: pages.tasks(server, ex["id"])["resize"]["state"]
               == "SUCCESS", "resize SUCCESS")
    _css(browser, "#action-close").click()
    browser.refresh()
    pages.wait_task_state(browser, "resize", "SUCCESS")
    status, actions = pages.api(
        server, "GET", "/tasks/%s/action_executions"
        % pages.tasks(server, ex["id"])["resize"]["id"])
    reruns = {a["item_index"]: json.loads(a["input"])
              for a in actions["action_executions"] if a["attempt"] == 2}
    assert reruns == {1: {"size": 3}, 3: {"size": 4}}

    # Skip the failed lookup, supplying its output.
    pages.wait_for(browser, "button[data-skip='lookup']").click()
    pages.wait_for(browser, "#with-output").click()
    output = browser.find_element(
        By.XPATH, "//label[text()='Output (any JSON value)']"
                  "/following-sibling::textarea")
    pages.fill(output, '{"host": "db1"}')
    pages.fill(_css(browser, "#action-comment"), "inventory host is db1")
    _css(browser, "#action-preview").click()
    plan = pages.wait_for(browser, "table.plan", text="noop task injected")
    assert "skip" in plan.text and "report" in plan.text
    _css(browser, "#action-apply").click()
    pages.wait_for(browser, ".alert-ok")
    final = pages.wait_execution(server, ex["id"], ("SUCCESS",))

    # What the API reports: the output, the comments, the task states.
    assert json.loads(final["output"]) == {"sizes": [1, 3, 2, 4],
                                           "host": "db1"}
    assert [(c["operation"], c["text"]) for c in final["comments"]] == [
        ("rerun", "rerun task 'resize' items 1, 3 with new input: "
                  "sizes fixed by hand"),
        ("skip", "skip task 'lookup' with a supplied output: "
                 "inventory host is db1")]
    by_name = pages.tasks(server, ex["id"])
    assert by_name["report"]["state"] == "SUCCESS"

    # What the page shows after its own refresh.
    pages.wait_for(browser, "#ex-state .badge", text="SUCCESS")
    comments = pages.wait_for(browser, "ol.comments")
    assert "sizes fixed by hand" in comments.text
    assert "inventory host is db1" in comments.text
    screenshots(browser, "execution-resumed")


def test_rerun_a_task_with_edited_input(server, browser):
    ex = pages.start(server, pages.CHAIN, "chain", ("ERROR",),
                     params={"env": {"size": "bad"}})
    _open_execution(browser, server, ex["id"])
    pages.wait_for(browser, "button[data-rerun='t2']").click()
    _css(browser, "#input-mode-edited").click()
    editor = browser.find_element(
        By.XPATH, "//label[text()='New input (JSON object)']"
                  "/following-sibling::textarea")
    # Prefilled with the input the failed run had.
    assert json.loads(editor.get_attribute("value")) == {
        "size": "bad", "key_prefix": "k"}
    pages.fill(editor, '{"size": 2}')
    pages.fill(_css(browser, "#action-comment"), "size was a typo")
    _css(browser, "#action-preview").click()
    plan = pages.wait_for(browser, "table.plan")
    assert '"size": 2' in plan.text and '"key_prefix": "k"' in plan.text
    _css(browser, "#action-apply").click()
    pages.wait_for(browser, ".alert-ok")
    final = pages.wait_execution(server, ex["id"], ("SUCCESS",))
    assert json.loads(final["output"]) == {"keys": ["k0", "k1"]}
    assert final["comments"][0]["text"].endswith(": size was a typo")
    pages.wait_for(browser, "#ex-state .badge", text="SUCCESS")
    pages.wait_task_state(browser, "t2", "SUCCESS")


def test_invalid_json_shows_an_error_and_sends_nothing(server, browser):
    ex = pages.start(server, pages.ORDERS, "orders_json", ("ERROR",))
    _open_execution(browser, server, ex["id"])
    pages.wait_for(browser, "button[data-rerun='lookup']").click()
    _css(browser, "#input-mode-edited").click()
    editor = browser.find_element(
        By.XPATH, "//label[text()='New input (JSON object)']"
                  "/following-sibling::textarea")
    pages.fill(editor, '{"error_data": ')
    message = _css(browser, "#" + editor.get_attribute("aria-describedby"))
    assert message.text.startswith("Not valid JSON")
    assert editor.get_attribute("aria-invalid") == "true"
    pages.fill(_css(browser, "#action-comment"), "try again")
    pages.sent(browser, "PUT")  # forget what came before
    _css(browser, "#action-preview").click()
    alert = pages.wait_for(browser, ".status .alert-error")
    assert "nothing was sent" in alert.text
    assert browser.switch_to.active_element == editor

    pages.fill(editor, "[1, 2]")
    assert message.text == "Must be a JSON object, e.g. {\"size\": 2}."
    _css(browser, "#action-preview").click()
    pages.wait_for(browser, ".status .alert-error")
    assert pages.sent(browser, "PUT") == []
    assert pages.api(server, "GET", "/executions/%s" % ex["id"])[1][
        "comments"] == []


def test_api_errors_are_shown_as_the_api_sent_them(server, browser):
    ex = pages.start(server, pages.ORDERS, "orders_err", ("ERROR",))
    _open_execution(browser, server, ex["id"])
    pages.wait_for(browser, "button[data-skip='lookup']").click()
    pages.fill(_css(browser, "#action-comment"), "skip it")
    # Meanwhile someone else skips it: the page's request is refused.
    body = {"state": "RUNNING", "resume": {"task": "lookup",
                                           "mode": "skip"}}
    assert pages.api(server, "PUT", "/executions/%s" % ex["id"],
                     body)[0] == 200
    status, fault = pages.api(server, "PUT", "/executions/%s" % ex["id"],
                              dict(body, dry_run=True))
    assert status >= 400
    _css(browser, "#action-preview").click()
    alert = pages.wait_for(browser, ".status .alert-error")
    assert alert.text == "HTTP %d: %s" % (status, fault["faultstring"])


def test_pause_resume_cancel(server, browser, screenshots):
    ex = pages.start(server, pages.WAITING, "waiting", ("RUNNING",))
    _open_execution(browser, server, ex["id"])
    steps = (("pause", "PAUSED"), ("resume", "RUNNING"),
             ("cancel", "CANCELLED"))
    for kind, state in steps:
        pages.wait_for(browser, "#ex-" + kind).click()
        pages.fill(_css(browser, "#action-comment"), "operator " + kind)
        _css(browser, "#action-preview").click()
        plan = pages.wait_for(browser, "table.plan")
        assert plan.find_elements(By.CSS_SELECTOR, "td .badge")[-1].text \
            == state
        if kind == "pause":
            screenshots(browser, "pause-plan")
        _css(browser, "#action-apply").click()
        pages.wait_for(browser, ".alert-ok", text=state)
        pages.wait_execution(server, ex["id"], (state,))
        pages.wait_for(browser, "#ex-state .badge", text=state)
    final = pages.api(server, "GET", "/executions/%s" % ex["id"])[1]
    assert final["state"] == "CANCELLED"
    assert final["state_info"] == "operator cancel"
    assert browser.find_elements(By.CSS_SELECTOR, "#ex-pause") == []


def test_execution_page_follows_a_running_execution(server, browser):
    ex = pages.start(server, pages.WAITING, "waiting_follow", ("RUNNING",))
    _open_execution(browser, server, ex["id"])
    pages.wait_task_state(browser, "hold", "RUNNING")
    hold = pages.tasks(server, ex["id"])["hold"]
    action = pages.api(server, "GET", "/tasks/%s/action_executions"
                       % hold["id"])[1]["action_executions"][0]
    status, _ = pages.api(server, "PUT", "/action_executions/%s"
                          % action["id"], {"state": "SUCCESS",
                                           "output": "{}"})
    assert status == 200
    # No click: the page refreshes while the execution runs.
    pages.wait_for(browser, "#ex-state .badge", text="SUCCESS")
    pages.wait_task_state(browser, "done", "SUCCESS")


def test_list_filters_paginates_and_counts(server, browser):
    errors = [pages.start(server, pages.ORDERS, "orders_list_%d" % i,
                          ("ERROR",))["id"] for i in range(3)]
    ok = pages.start(server, pages.PARENT, "parent", ("SUCCESS",))
    browser.get(pages.console_url(server, "#/?state=ERROR&limit=2"))
    pages.wait_for(browser, "tr[data-id]")
    rows = browser.find_elements(By.CSS_SELECTOR, "tr[data-id]")
    assert len(rows) == 2
    assert all("ERROR" in r.text for r in rows)
    # Newest first.
    assert rows[0].get_attribute("data-id") == errors[-1]
    assert ok["id"] not in [r.get_attribute("data-id") for r in rows]

    all_errors = [e["id"] for e in pages.api(
        server, "GET", "/executions?state=ERROR")[1]["executions"]]
    count = _css(browser, "button.count[data-state='ERROR'] .count-n")
    assert count.text == str(len(all_errors))
    assert _css(browser, "button.count[data-state='ERROR']"
                ).get_attribute("aria-pressed") == "true"

    seen = [r.get_attribute("data-id") for r in rows]
    while _css(browser, "#page-next").is_enabled():
        _css(browser, "#page-next").click()
        page_no = len(seen) // 2 + 1
        pages.wait_for(browser, ".page-no", text="Page %d" % page_no)
        seen += [r.get_attribute("data-id") for r in
                 browser.find_elements(By.CSS_SELECTOR, "tr[data-id]")]
    assert sorted(seen) == sorted(all_errors)
    last_page = (len(seen) + 1) // 2
    assert last_page >= 2
    _css(browser, "#page-prev").click()
    pages.wait_for(browser, ".page-no", text="Page %d" % (last_page - 1))

    # The workflow filter, through the form.
    pages.fill(_css(browser, "#f-workflow"), "parent")
    _css(browser, "#f-state").send_keys("Any state")
    _css(browser, ".filters button[type=submit]").click()
    pages.wait_for(browser, "tr[data-id='%s']" % ok["id"])
    shown = browser.find_elements(By.CSS_SELECTOR, "tr[data-id]")
    assert [r.get_attribute("data-id") for r in shown] == [ok["id"]]


def test_sub_executions_are_navigable(server, browser):
    ex = pages.start(server, pages.PARENT, "nav", ("SUCCESS",))
    _open_execution(browser, server, ex["id"])
    _css(browser, "button[data-toggle='call']").click()
    link = pages.wait_for(browser, "a.sub-link")
    assert "nav_child" in link.text
    link.click()
    parent = pages.wait_for(browser, "#parent-link")
    pages.wait_task_state(browser, "inner", "SUCCESS")
    parent.click()
    pages.wait_task_state(browser, "call", "SUCCESS")


def test_project_scoping_applies_to_the_page(server, browser):
    ex = pages.start(server, pages.WAITING.replace("async_noop", "noop"),
                     "scoped", ("SUCCESS",))
    browser.get(pages.console_url(server))
    pages.wait_for(browser, "tr[data-id='%s']" % ex["id"])
    _css(browser, "#identity summary").click()
    pages.fill(_css(browser, "#id-project"), "another-project")
    _css(browser, "#identity-form button").click()
    pages.wait_for(browser, "td.empty", text="No executions match")
    browser.get(pages.console_url(server, "#/executions/" + ex["id"]))
    alert = pages.wait_for(browser, ".alert-error")
    assert alert.text.startswith("HTTP 404")
    _css(browser, "#identity summary").click()
    pages.fill(_css(browser, "#id-project"), "")
    _css(browser, "#identity-form button").click()
    pages.wait_for(browser, "#ex-state .badge", text="SUCCESS")


def test_keyboard_reaches_the_actions(server, browser):
    ex = pages.start(server, pages.ORDERS, "orders_keys", ("ERROR",))
    _open_execution(browser, server, ex["id"])
    browser.refresh()  # a fresh document: Tab starts at its top
    pages.wait_for(browser, "button[data-rerun='resize']")
    keys = action_chains.ActionChains(browser)
    keys.send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.text == "Skip to content"
    target = None
    for _ in range(60):
        keys.send_keys(Keys.TAB).perform()
        active = browser.switch_to.active_element
        if active.get_attribute("data-rerun") == "resize":
            target = active
            break
    assert target is not None, "Tab never reached the re-run button"
    outline = browser.execute_script(
        "return getComputedStyle(arguments[0]).outlineStyle", target)
    assert outline != "none"
    target.send_keys(Keys.ENTER)
    title = pages.wait_for(browser, "#action-title")
    assert browser.switch_to.active_element == title


@pytest.mark.parametrize("fragment", ["", "#/executions/{id}"])
def test_narrow_screen_is_readable(server, narrow_browser, screenshots,
                                   fragment):
    ex = pages.start(server, pages.ORDERS, "orders_narrow_%d"
                     % len(fragment), ("ERROR",))
    narrow_browser.get(pages.console_url(server,
                                         fragment.format(id=ex["id"])))
    pages.wait_for(narrow_browser, "tr[data-id], tr[data-task]")
    overflow = narrow_browser.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    hidden = narrow_browser.find_elements(By.CSS_SELECTOR, "th.col-opt")
    assert hidden and not any(h.is_displayed() for h in hidden)
    screenshots(narrow_browser, "narrow-" + ("execution" if fragment
                                             else "list"))


def test_paused_with_a_failed_task_resume_is_refused_then_rerun(server,
                                                                browser):
    ex = pages.start(server, pages.WAITING, "paused_fail", ("RUNNING",))
    hold = pages.poll(lambda: pages.tasks(server, ex["id"]).get("hold"),
                      "task hold")
    action = pages.poll(lambda: pages.api(
        server, "GET", "/tasks/%s/action_executions" % hold["id"])[1][
        "action_executions"], "hold's action")[0]
    assert pages.api(server, "PUT", "/executions/%s" % ex["id"],
                     {"state": "PAUSED"})[0] == 200
    assert pages.api(server, "PUT", "/action_executions/%s" % action["id"],
                     {"state": "ERROR", "output": '"backend lost"'})[0] \
        == 200
    pages.poll(lambda: pages.tasks(server, ex["id"])["hold"]["state"]
               == "ERROR", "hold ERROR")
    _open_execution(browser, server, ex["id"])
    pages.wait_for(browser, "#ex-state .badge", text="PAUSED")

    # The plain resume: the API's 409, word for word.
    _css(browser, "#ex-resume").click()
    pages.fill(_css(browser, "#action-comment"), "go on")
    _css(browser, "#action-preview").click()
    pages.wait_for(browser, "table.plan")
    _css(browser, "#action-apply").click()
    alert = pages.wait_for(browser, ".status .alert-error")
    status, fault = pages.api(server, "PUT", "/executions/%s" % ex["id"],
                              {"state": "RUNNING"})
    assert status == 409
    assert alert.text == "HTTP 409: %s" % fault["faultstring"]
    assert "hold" in alert.text
    _css(browser, "#action-close").click()

    # Re-run the failed task instead: the execution runs again.
    pages.wait_for(browser, "button[data-rerun='hold']").click()
    pages.fill(_css(browser, "#action-comment"), "backend is back")
    _css(browser, "#action-preview").click()
    plan = pages.wait_for(browser, "table.plan")
    assert "hold" in plan.text and "std.async_noop" in plan.text
    _css(browser, "#action-apply").click()
    pages.wait_for(browser, ".alert-ok", text="RUNNING")
    resumed = pages.wait_execution(server, ex["id"], ("RUNNING",))
    assert resumed["comments"][-1]["text"].endswith(": backend is back")
    pages.poll(lambda: pages.tasks(server, ex["id"])["hold"]["state"]
               == "RUNNING", "hold RUNNING again")
