"""The password page: reached from the header, a strength meter that moves as the new password is typed
(ASVS V2.1.8), in English and Chinese. Nothing is submitted: the session's demo accounts keep their passwords."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import WAIT, check_page, login, path_of, shot


def meter_after(browser, text: str) -> tuple[float, str]:
    field = browser.find_element(By.ID, "password")
    field.clear()
    field.send_keys(text)
    meter = browser.find_element(By.ID, "strength")
    WebDriverWait(browser, WAIT).until(lambda b: meter.is_displayed())
    return float(meter.get_attribute("value")), browser.find_element(By.ID, "strength-word").text.strip()


def test_the_meter_follows_what_is_typed(browser):
    login(browser, "auditor")
    browser.find_element(By.CSS_SELECTOR, "header a[href='/account/password']").click()
    WebDriverWait(browser, WAIT).until(lambda b: path_of(b) == "/account/password")
    weak_value, weak_word = meter_after(browser, "aaaaaaaaaaaa")
    strong_value, strong_word = meter_after(browser, "copper Lantern, 7 quiet herons")
    assert weak_value < 40 and weak_word == "easy to guess", (weak_value, weak_word)
    assert strong_value >= 80 and strong_word == "strong", (strong_value, strong_word)
    check_page(browser)
    shot(browser, "password-en")


def test_the_meter_speaks_chinese(browser_zh):
    login(browser_zh, "resident")
    browser_zh.get(browser_zh.current_url.split("/portal")[0] + "/account/password")
    _, word = meter_after(browser_zh, "1234567890ab")
    assert word == "容易猜中", word
    check_page(browser_zh)
    shot(browser_zh, "password-zh")
