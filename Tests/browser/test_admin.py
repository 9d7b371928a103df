"""The administrator's pages in a real browser: the dashboard, the handbook editor's lint with an
error shown on its line, the subjects search, and a relying party with a token shown once."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness import check_page, fill_login_form, login, path_of, shot, submit, visible_text, visit, wait_for_path

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_dashboard(browser):
    login(browser, "administrator")
    assert visit(browser, "/admin") == 200
    check_page(browser)
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.bars g.bar")
    assert bars, "no grade bars on the dashboard"
    counts = [int(bar.get_attribute("data-count")) for bar in bars]
    assert sum(counts) > 0, counts
    assert browser.find_element(By.ID, "stat-red").text.strip().isdigit()
    assert browser.find_elements(By.CSS_SELECTOR, "table.trend tbody tr"), "no trend rows"
    shot(browser, "admin-dashboard-en")


def test_dashboard_in_chinese(browser_zh):
    login(browser_zh, "administrator")
    assert visit(browser_zh, "/admin") == 200
    check_page(browser_zh)
    assert CJK.search(browser_zh.find_element(By.TAG_NAME, "h1").text)
    shot(browser_zh, "admin-dashboard-zh")


def test_dashboard_on_a_phone(phone):
    login(phone, "administrator")
    assert visit(phone, "/admin") == 200
    check_page(phone)
    shot(phone, "admin-dashboard-phone")


def test_handbook_editor(browser):
    login(browser, "administrator")
    assert visit(browser, "/admin/handbook") == 200
    check_page(browser)
    assert "jurisdiction:" in browser.find_element(By.ID, "source").get_attribute("value")
    shot(browser, "admin-handbook-en")


def test_subjects_search(browser):
    login(browser, "administrator")
    assert visit(browser, "/admin/subjects") == 200
    check_page(browser)
    first = browser.find_element(By.CSS_SELECTOR, "#subjects tbody tr td a")
    name = first.text.strip()
    box = browser.find_element(By.ID, "q")
    box.send_keys(name)
    submit(browser, box.find_element(By.XPATH, "./ancestor::form"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#subjects tbody tr")
    assert rows and any(name in row.text for row in rows)
    shot(browser, "admin-subjects-en")
    rows[0].find_element(By.TAG_NAME, "a").click()
    assert path_of(browser).startswith("/admin/subjects/")
    check_page(browser)
    assert name in browser.find_element(By.TAG_NAME, "h1").text
    shot(browser, "admin-subject-en")


def test_relying_party_and_token(browser):
    login(browser, "administrator")
    assert visit(browser, "/admin/parties") == 200
    check_page(browser)
    browser.find_element(By.ID, "party-id").send_keys("browser-rail")
    browser.find_element(By.ID, "party-name").send_keys("Rail ticket office (browser)")
    boxes = browser.find_elements(By.CSS_SELECTOR, "input[name=measures]")
    assert boxes, "no measures to choose"
    boxes[0].click()
    shot(browser, "admin-parties-en")
    submit(browser, browser.find_element(By.ID, "party-id").find_element(By.XPATH, "./ancestor::form"))
    assert path_of(browser) == "/admin/parties/browser-rail"
    check_page(browser)
    issue = browser.find_element(By.ID, "days")
    submit(browser, issue.find_element(By.XPATH, "./ancestor::form"))
    bearer = browser.find_element(By.ID, "bearer").get_attribute("value")
    assert bearer
    check_page(browser)
    shot(browser, "admin-token-issued-en")
    answer = browser.civic_server.request("/me", headers={"Authorization": "Bearer " + bearer})
    assert answer.status == 200 and "browser-rail" in answer.body, answer
    assert visit(browser, "/admin/parties/browser-rail") == 200
    assert bearer not in browser.page_source, "the token's secret was shown a second time"
    revoke = browser.find_element(By.CSS_SELECTOR, "#tokens form button")
    submit(browser, revoke.find_element(By.XPATH, "./ancestor::form"))
    assert "Revoked" in visible_text(browser)
    assert browser.civic_server.request("/me", headers={"Authorization": "Bearer " + bearer}).status == 401
    shot(browser, "admin-token-revoked-en")


def test_lint_lists_the_source_once_with_line_numbers(browser):
    """A broken handbook lints to one numbered listing with the problem beside its line,
    and the editor shows line numbers beside the source."""
    login(browser, "administrator")
    visit(browser, "/admin/handbook")
    assert browser.find_elements(By.CSS_SELECTOR, ".editor .gutter"), "no line numbers beside the source"
    source = browser.find_element(By.ID, "source")
    text = source.get_attribute("value")
    browser.execute_script("arguments[0].value = arguments[1];", source, text.replace("type: points", "type: pointz", 1))
    form = source.find_element(By.XPATH, "./ancestor::form")
    submit(browser, form)
    items = browser.find_elements(By.CSS_SELECTOR, "ol.listing > li")
    assert len(items) == len(text.split("\n")), (len(items), len(text.split("\n")))
    marked = browser.find_elements(By.CSS_SELECTOR, "ol.listing > li.line-error")
    assert marked and "pointz" in marked[0].text and marked[0].find_elements(By.CSS_SELECTOR, ".line-problem")
    check_page(browser)
    shot(browser, "admin-handbook-lint-en")


def test_administrator_adds_a_reviewer(make_browser):
    """An administrator adds a reviewer account in the browser, and the reviewer signs in."""
    admin = make_browser()
    login(admin, "administrator")
    admin.find_element(By.CSS_SELECTOR, "nav a[href='/admin/accounts']").click()
    wait_for_path(admin, "/admin/accounts")
    check_page(admin)
    form = admin.find_element(By.ID, "new-account")
    Select(form.find_element(By.NAME, "role")).select_by_value("reviewer")
    actors = Select(form.find_element(By.NAME, "actor"))
    linked = admin.find_element(By.ID, "accounts").text
    choice = next(o for o in actors.options if o.get_attribute("value").startswith("rev-") and o.text.split(" · ")[0] not in linked)
    actors.select_by_value(choice.get_attribute("value"))
    form.find_element(By.NAME, "id").send_keys("browser-reviewer")
    form.find_element(By.NAME, "displayName").send_keys("Browser reviewer")
    form.find_element(By.NAME, "password").send_keys("a-long-enough-password")
    submit(admin, form)
    assert path_of(admin) == "/admin/accounts/browser-reviewer", visible_text(admin)[:500]
    assert "The account is created." in visible_text(admin)
    check_page(admin)
    shot(admin, "admin-account-created-en")

    reviewer = make_browser()
    visit(reviewer, "/login")
    fill_login_form(reviewer, "browser-reviewer", "a-long-enough-password")
    wait_for_path(reviewer, "/committee")
