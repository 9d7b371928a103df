"""The assessor's pages on a phone: the households, filing a report with a photo, the report and the list."""

from __future__ import annotations

from selenium.webdriver.common.by import By

import staff_helpers
from harness import check_page, error_messages, login, path_of, shot, status, submit, visible_text, visit


def test_households_on_a_phone_in_both_languages(phone):
    login(phone, "assessor")
    assert path_of(phone) == "/assessor"
    check_page(phone)
    cards = phone.find_elements(By.CSS_SELECTOR, "section.household")
    assert cards, "no household is listed"
    shot(phone, "assessor-households-en")
    first_id = cards[0].find_element(By.CSS_SELECTOR, "h2 small").text
    search = phone.find_element(By.ID, "q")
    search.send_keys(first_id)
    submit(phone, search.find_element(By.XPATH, "./ancestor::form"))
    assert first_id in visible_text(phone)
    assert len(phone.find_elements(By.CSS_SELECTOR, "section.household")) >= 1
    visit(phone, "/assessor?lang=zh")
    check_page(phone)
    assert "我负责的户" in visible_text(phone)
    shot(phone, "assessor-households-zh")
    visit(phone, "/assessor?lang=en")


def test_file_a_report_with_a_photo_from_a_phone(phone):
    login(phone, "assessor")
    visit(phone, "/assessor/reports/new")
    check_page(phone)
    photos = phone.find_element(By.NAME, "photos")
    assert photos.get_attribute("capture") == "environment" and photos.get_attribute("accept") == "image/*"
    assert photos.get_attribute("multiple") is not None
    shot(phone, "assessor-new-report-en")

    # A statement left out: the form comes back with the reason and what was chosen.
    form = phone.find_element(By.CSS_SELECTOR, "form[action='/assessor/reports']")
    phone.execute_script("arguments[0].noValidate = true", form)
    from selenium.webdriver.support.ui import Select
    Select(form.find_element(By.NAME, "subject")).select_by_index(1)
    submit(phone, form)
    assert status(phone) == 422
    assert any("Say what happened" in message for message in error_messages(phone)), error_messages(phone)
    check_page(phone)
    shot(phone, "assessor-new-report-errors-en")

    page = staff_helpers.file_report(phone, "Repaired the footbridge by the school", staff_helpers.photo_file(3))
    text = visible_text(phone)
    assert "The report is filed" in text and "Pending review" in text
    image = phone.find_element(By.CSS_SELECTOR, "img[src^='/assessor/evidence/']")
    assert phone.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 48
    check_page(phone)
    shot(phone, "assessor-report-en")

    visit(phone, "/assessor/reports")
    check_page(phone)
    assert page.rsplit("/", 1)[1] in visible_text(phone)
    shot(phone, "assessor-reports-en")
    visit(phone, "/assessor/reports?lang=zh")
    check_page(phone)
    assert "我的报告" in visible_text(phone)
    shot(phone, "assessor-reports-zh")
    visit(phone, "/assessor/reports?lang=en")
