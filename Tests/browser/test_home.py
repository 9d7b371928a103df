"""The home page in both languages, signing in as each person's role, a wrong password, signing out."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By

from harness import (PERSON_ROLES, ROLE_HOME, check_page, error_messages, fill_login_form, html_lang, login, logout,
                     logout_form, path_of, query_of, shot, status, switch_language, visible_text, visit, wait_for_path)

CJK = re.compile(r"[\u4e00-\u9fff]")


def h1(browser) -> str:
    return browser.find_element(By.TAG_NAME, "h1").text.strip()


def links_to(browser, path: str) -> list:
    return [a for a in browser.find_elements(By.TAG_NAME, "a")
            if (a.get_attribute("href") or "").split("?")[0].endswith(path) and a.is_displayed()]


def assert_signed_out(browser, protected: str) -> None:
    """A signed-out browser cannot open `protected`: it is sent to /login or refused."""
    code = visit(browser, protected)
    assert path_of(browser) == "/login" or code in (401, 403), \
        f"signed out, {protected} answered {code} at {browser.current_url}: {visible_text(browser)[:200]!r}"
    assert logout_form(browser) is None, "a signed-out page offers to sign out"


def test_home_in_english(browser):
    assert visit(browser, "/") == 200
    assert html_lang(browser) == "en"
    assert h1(browser) and not CJK.search(h1(browser)), h1(browser)
    switch = browser.find_element(By.CSS_SELECTOR, "a[hreflang=zh]")
    assert switch.text.strip() == "中文"
    assert links_to(browser, "/login"), "the home page has no visible sign-in link"
    assert links_to(browser, "/verify"), "the home page has no visible link to verify a certificate"
    assert logout_form(browser) is None
    check_page(browser)
    shot(browser, "home-en")


def test_home_in_chinese_from_accept_language(browser_zh):
    assert visit(browser_zh, "/") == 200
    assert html_lang(browser_zh) == "zh-Hans"
    assert CJK.search(h1(browser_zh)), f"the Chinese home page's <h1> has no Chinese: {h1(browser_zh)!r}"
    assert browser_zh.find_element(By.CSS_SELECTOR, "a[hreflang=en]").text.strip() == "English"
    assert links_to(browser_zh, "/login") and links_to(browser_zh, "/verify")
    check_page(browser_zh)
    shot(browser_zh, "home-zh")


def test_language_switch_is_remembered(browser):
    visit(browser, "/")
    english = h1(browser)
    switch_language(browser, "zh")
    assert query_of(browser).get("lang") == ["zh"] and path_of(browser) == "/"
    chinese = h1(browser)
    assert chinese != english and CJK.search(chinese)
    check_page(browser)
    shot(browser, "home-zh-switched")
    # Remembered (cookie): the same browser, without ?lang=, still gets Chinese, though it asks for English.
    assert visit(browser, "/login") == 200
    assert html_lang(browser) == "zh-Hans"
    check_page(browser)
    shot(browser, "login-zh")
    switch_language(browser, "en")
    assert path_of(browser) == "/login"
    visit(browser, "/")
    assert (html_lang(browser), h1(browser)) == ("en", english)


def test_home_on_a_phone(phone):
    assert visit(phone, "/") == 200
    check_page(phone)
    assert links_to(phone, "/login"), "no visible sign-in link on the phone"
    shot(phone, "home-phone")


def test_login_form(browser):
    assert visit(browser, "/login") == 200
    form = browser.find_element(By.NAME, "username").find_element(By.XPATH, "./ancestor::form")
    assert (form.get_attribute("method") or "").lower() == "post"
    assert form.find_element(By.NAME, "password").get_attribute("type") == "password"
    csrf = form.find_element(By.NAME, "csrf")
    assert csrf.get_attribute("type") == "hidden" and len(csrf.get_attribute("value") or "") >= 16
    check_page(browser)
    shot(browser, "login-en")


@pytest.mark.parametrize("role", PERSON_ROLES)
def test_each_person_lands_on_their_home(browser, role):
    credential = login(browser, role)
    assert path_of(browser) == ROLE_HOME[role]
    assert status(browser) == 200
    assert logout_form(browser) is not None, f"{ROLE_HOME[role]} offers no way to sign out"
    text = visible_text(browser)
    assert credential["account"] in text or f"Demo {role}".lower() in text.lower(), \
        f"the {role}'s home does not say who is signed in: {text[:300]!r}"
    check_page(browser)
    shot(browser, f"home-{role}")


def test_wrong_password_keeps_you_signed_out(browser):
    # One wrong password: five in a row lock the account for 15 minutes, and later tests sign in with it.
    login(browser, "administrator", password="not-the-password")
    assert path_of(browser) == "/login"
    assert status(browser) in (400, 401, 403, 422), f"a refused sign-in answered {status(browser)}"
    messages = error_messages(browser)
    assert messages, f"no error message on the refused sign-in: {visible_text(browser)[:300]!r}"
    assert browser.find_element(By.NAME, "password").get_attribute("value") == "", "the password was sent back"
    check_page(browser)
    shot(browser, "login-error")
    # An unknown account gets the same answer: the form does not tell which accounts exist.
    fill_login_form(browser, "no-such-account", "not-the-password")
    assert path_of(browser) == "/login" and error_messages(browser) == messages
    assert_signed_out(browser, "/admin")


def test_signing_in_returns_to_the_page_asked_for(browser):
    visit(browser, "/assessor")
    assert path_of(browser) == "/login", f"signed out, /assessor did not send to /login: {browser.current_url}"
    fill_login_form(browser, browser.civic_server.credential("assessor")["account"],
                    browser.civic_server.credential("assessor")["password"])
    wait_for_path(browser, "/assessor")
    assert status(browser) == 200


def test_logout(browser, server):
    login(browser, "resident")
    assert visit(browser, "/") == 200 and logout_form(browser) is not None, "the signed-in home offers no sign-out"
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    logout(browser)
    assert path_of(browser) == "/" and logout_form(browser) is None
    assert [n.text for n in browser.find_elements(By.CSS_SELECTOR, "[role=status]") if n.text.strip()], \
        "no message that you signed out"
    assert links_to(browser, "/login")
    check_page(browser)
    shot(browser, "logged-out")
    # The session is over on the server too, not only forgotten by this browser: its old cookie signs nobody in.
    replay = server.request("/", headers={"Cookie": cookies})
    assert replay.status == 200 and 'action="/logout"' not in replay.body, "the old session cookie still signs in"
    assert_signed_out(browser, "/portal")
    shot(browser, "portal-signed-out")
