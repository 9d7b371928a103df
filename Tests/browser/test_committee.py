"""The committee's pages: deciding a report beside its photo, deciding an appeal, the cycle page."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

import staff_helpers
from harness import (check_page, error_messages, fill_login_form, login, path_of, shot, status, submit, visible_text, visit,
                     wait_for_path)


def test_reviewer_decides_a_report_with_a_reason(make_browser):
    assessor = make_browser(phone=True)
    login(assessor, "assessor")
    report_page = staff_helpers.file_report(assessor, "Organised the lane clean-up", staff_helpers.photo_file(7))
    report_id = report_page.rsplit("/", 1)[1]

    reviewer = make_browser()
    login(reviewer, "reviewer")
    check_page(reviewer)
    shot(reviewer, "committee-queue-en")
    visit(reviewer, f"/committee?month=2026-03")
    link = [a for a in reviewer.find_elements(By.CSS_SELECTOR, "a") if a.text == report_id]
    if not link:  # the demo's today decides the cycle month; find it on any page of the queue
        visit(reviewer, "/committee")
        link = [a for a in reviewer.find_elements(By.CSS_SELECTOR, "a") if a.text == report_id]
    visit(reviewer, f"/committee/reports/{report_id}")
    check_page(reviewer)
    image = reviewer.find_element(By.CSS_SELECTOR, ".review-evidence img")
    assert reviewer.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 48
    shot(reviewer, "committee-report-en")

    form = reviewer.find_element(By.CSS_SELECTOR, "form[action$='/decision']")
    form.find_element(By.CSS_SELECTOR, "input[value=approve]").click()
    reviewer.execute_script("document.getElementById('reason').removeAttribute('required')")
    submit(reviewer, form)
    assert status(reviewer) == 422
    assert any("reason" in message for message in error_messages(reviewer)), error_messages(reviewer)

    form = reviewer.find_element(By.CSS_SELECTOR, "form[action$='/decision']")
    form.find_element(By.CSS_SELECTOR, "input[value=approve]").click()
    form.find_element(By.ID, "reason").send_keys("The photo shows the lane cleared")
    submit(reviewer, form)
    assert path_of(reviewer) == f"/committee/reports/{report_id}"
    text = visible_text(reviewer)
    assert "The decision is recorded." in text and "The photo shows the lane cleared" in text
    check_page(reviewer)
    shot(reviewer, "committee-report-decided-en")

    visit(assessor, "/assessor/reports")
    assert "The photo shows the lane cleared" in visible_text(assessor)

    visit(reviewer, f"/committee/reports/{report_id}?lang=zh")
    check_page(reviewer)
    shot(reviewer, "committee-report-zh")
    visit(reviewer, "/committee?lang=zh")
    check_page(reviewer)
    assert "审核队列" in visible_text(reviewer)
    shot(reviewer, "committee-queue-zh")
    visit(reviewer, "/committee?lang=en")


def test_reviewer_decides_an_appeal(browser, server):
    appeal = staff_helpers.appeal_to_decide(server)
    if appeal is None:
        pytest.skip("the demo has no undecided appeal to decide (the appeal pages are covered by CommitteePageTests)")
    login(browser, "reviewer")
    visit(browser, "/committee/appeals")
    check_page(browser)
    shot(browser, "committee-appeals-en")
    assert visit(browser, f"/committee/appeals/{appeal}") == 200
    check_page(browser)
    assert "I was not there that day" in visible_text(browser)
    shot(browser, "committee-appeal-en")
    form = browser.find_element(By.CSS_SELECTOR, "form[action$='/decision']")
    form.find_element(By.CSS_SELECTOR, "input[value=dismissed]").click()
    form.find_element(By.ID, "reason").send_keys("The register shows the resident was there")
    submit(browser, form)
    text = visible_text(browser)
    if path_of(browser) == f"/committee/appeals/{appeal}" and "The appeal decision is recorded." in text:
        assert "The register shows the resident was there" in text
    else:
        # An independence refusal from the engine is shown in the form, never as a bare error.
        assert status(browser) == 409 and error_messages(browser), text[:400]
    check_page(browser)
    shot(browser, "committee-appeal-decided-en")


def test_cycle_page_reviewer_reads_administrator_closes(make_browser):
    reviewer = make_browser()
    login(reviewer, "reviewer")
    visit(reviewer, "/committee/cycle")
    check_page(reviewer)
    assert reviewer.find_elements(By.ID, "admin-closes")
    assert not reviewer.find_elements(By.CSS_SELECTOR, "form[action='/committee/cycle']")
    shot(reviewer, "committee-cycle-reviewer-en")

    admin = make_browser()
    login(admin, "administrator")
    # The close is in the administrator's menu, previews before it closes, and asks to confirm.
    admin.find_element(By.CSS_SELECTOR, "header a[href='/committee/cycle'], nav a[href='/committee/cycle']").click()
    wait_for_path(admin, "/committee/cycle")
    check_page(admin)
    form = admin.find_element(By.CSS_SELECTOR, "form[action='/committee/cycle/preview']")
    assert form.find_element(By.NAME, "month").get_attribute("value"), "no month filled in"
    submit(admin, form)
    assert path_of(admin) == "/committee/cycle/preview"
    assert admin.find_element(By.ID, "preview")
    text = visible_text(admin)
    assert "Entries to be made" in text and "Notices to be sent" in text, text[:800]
    check_page(admin)
    shot(admin, "committee-cycle-preview-en")
    confirm = admin.find_element(By.ID, "confirm-close")
    for box in confirm.find_elements(By.CSS_SELECTOR, "input[type=checkbox]"):
        box.click()
    submit(admin, confirm)
    assert path_of(admin) == "/committee/cycle"
    text = visible_text(admin)
    assert "The cycle is closed." in text and "Grade falls" in text, text[:500]
    check_page(admin)
    shot(admin, "committee-cycle-closed-en")
    visit(admin, "/committee/cycle?lang=zh")
    check_page(admin)
    shot(admin, "committee-cycle-zh")
    visit(admin, "/committee/cycle?lang=en")


def test_who_may_decide_an_appeal(make_browser, server):
    """Each of the demo's three reviewers sees who may decide an appeal, and the decision form
    only if the engine would accept their decision; a reviewer of the report behind it sees why not instead."""
    appeal = staff_helpers.appeal_to_decide(server)
    if appeal is None:
        pytest.skip("the demo has no undecided appeal left")
    shown = {}
    for account in ("demo-reviewer", "demo-reviewer-2", "demo-reviewer-3"):
        credential = next(c for c in server.credentials if c["account"] == account)
        browser = make_browser()
        visit(browser, "/login")
        fill_login_form(browser, account, credential["password"])
        wait_for_path(browser, "/committee")
        assert visit(browser, f"/committee/appeals/{appeal}") == 200
        assert browser.find_element(By.ID, "deciders")
        forms = browser.find_elements(By.CSS_SELECTOR, f"form[action='/committee/appeals/{appeal}/decision']")
        notes = browser.find_elements(By.ID, "recusal")
        assert bool(forms) != bool(notes), f"{account}: a form and a recusal note, or neither"
        shown[account] = "form" if forms else notes[0].text
        check_page(browser)
        shot(browser, f"committee-appeal-deciders-{account}")
    assert "form" in shown.values(), f"no demo reviewer may decide appeal {appeal}: {shown}"


def test_four_eyes_in_the_browser(make_browser, server):
    """A report under a rule that needs two reviewers. The first reviewer approves it and is then
    shown why they may not decide it again and who may, instead of a form; a second reviewer approves it."""
    def four_eyes(rules):
        """needs two reviewers"""
        options = [o for o in rules.options if "2 different reviewers" in o.text and "at least" not in o.text]
        return options[0].get_attribute("value") if options else None

    assessor = make_browser()
    login(assessor, "assessor")
    photos = [staff_helpers.photo_file(seed) for seed in (11, 12)]
    path = staff_helpers.file_report(assessor, "Seen at the site with the village head", rule=four_eyes, photos=photos)
    report = path.rsplit("/", 1)[1]

    def reviewer_browser(account):
        credential = next(c for c in server.credentials if c["account"] == account)
        browser = make_browser()
        visit(browser, "/login")
        fill_login_form(browser, account, credential["password"])
        wait_for_path(browser, "/committee")
        return browser

    first = reviewer_browser("demo-reviewer")
    visit(first, f"/committee/reports/{report}")
    assert first.find_element(By.ID, "deciders")
    form = first.find_element(By.CSS_SELECTOR, "form[action$='/decision']")
    form.find_element(By.CSS_SELECTOR, "input[value=approve]").click()
    form.find_element(By.ID, "reason").send_keys("The photos show it")
    submit(first, form)
    assert "The decision is recorded." in visible_text(first)
    assert not first.find_elements(By.CSS_SELECTOR, "form[action$='/decision']"), "the first approver still has a form"
    note = first.find_element(By.ID, "recusal").text
    assert "You approved this report" in note, note
    check_page(first)
    shot(first, "committee-four-eyes-first-en")

    second = reviewer_browser("demo-reviewer-2")
    visit(second, f"/committee/reports/{report}")
    form = second.find_element(By.CSS_SELECTOR, "form[action$='/decision']")
    form.find_element(By.CSS_SELECTOR, "input[value=approve]").click()
    form.find_element(By.ID, "reason").send_keys("Agreed")
    submit(second, form)
    assert "The decision is recorded." in visible_text(second)
    visit(second, f"/committee/reports/{report}?lang=zh")
    assert not second.find_elements(By.CSS_SELECTOR, "form[action$='/decision']")
    check_page(second)
    shot(second, "committee-four-eyes-done-zh")
