"""The public pages: the notice board, the billboard, the published handbook, and a resident's certificate
whose QR code opens the verification page."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness import check_page, html_lang, login, path_of, shot, submit, switch_language, visible_text, visit

MASKED = re.compile(r"\*{2,}")


def test_notice_board(browser):
    assert visit(browser, "/board/zhaojiashan") == 200
    check_page(browser)
    text = visible_text(browser)
    assert "Notice board: Zhaojiashan Village" in text
    assert "Good deeds of" in text and "How to get off a list" in text
    # Every name in the good-deed table is masked.
    names = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=deeds] tbody td:nth-child(2)")]
    assert names, "the demo month has no good deeds on the board"
    assert all(MASKED.search(name) for name in names), names
    # The demo fills every list of every board: someone is honoured, someone is listed, names masked.
    for board in ("red", "black"):
        rows = browser.find_elements(By.CSS_SELECTOR, f"section[aria-labelledby={board}] tbody tr")
        assert rows, f"the demo leaves the {board} list of Zhaojiashan's board empty"
        assert all(MASKED.search(row.find_element(By.TAG_NAME, "td").text) for row in rows)
    # The lists are explained, each with how it ends.
    cards = browser.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=howto] .card")
    assert cards and all("How to get off" in card.text for card in cards)
    shot(browser, "board-en")
    # Going back a month keeps the page working and changes the month shown.
    month = browser.find_element(By.ID, "month").get_attribute("value")
    browser.find_element(By.LINK_TEXT, "Previous month").click()
    assert browser.find_element(By.ID, "month").get_attribute("value") != month
    switch_language(browser, "zh")
    assert html_lang(browser) == "zh-Hans"
    assert "公示栏：赵家山村" in visible_text(browser)
    check_page(browser)
    shot(browser, "board-zh")


def test_board_on_a_phone(phone):
    assert visit(phone, "/board/rongcheng") == 200
    check_page(phone)
    shot(phone, "board-phone")


def test_billboard_and_handbook(browser):
    assert visit(browser, "/board/rongcheng/print") == 200
    check_page(browser)
    assert "Rongcheng City" in browser.find_element(By.TAG_NAME, "h1").text
    shot(browser, "billboard-en")
    assert visit(browser, "/board/zhaojiashan/handbook") == 200
    check_page(browser)
    text = visible_text(browser)
    assert "Volunteer street cleaning for 8 hours" in text and "Notice and appeal" in text
    shot(browser, "handbook-en")
    switch_language(browser, "zh")
    assert "规则手册：赵家山村" in visible_text(browser)
    shot(browser, "handbook-zh")


def test_unknown_board(browser):
    assert visit(browser, "/board/atlantis") == 404
    check_page(browser)
    assert "No such jurisdiction" in visible_text(browser)


def decode_qr(png: Path) -> str | None:
    """The text of the QR code in a PNG, by zbarimg (Debian's zbar-tools), or None if it is not installed."""
    if not shutil.which("zbarimg"):
        print("zbarimg not installed: the QR code is followed by its link only, not decoded from pixels")
        return None
    result = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"zbarimg found no QR code in {png}: {result.stderr}"
    return result.stdout.strip()


def test_certificate_qr_opens_verification(browser, make_browser):
    login(browser, "resident")
    assert visit(browser, "/portal/certificate") == 200
    check_page(browser)
    shot(browser, "certificate-form-en")
    form = browser.find_element(By.CSS_SELECTOR, "form[action='/portal/certificate']")
    Select(form.find_element(By.NAME, "scheme")).select_by_index(0)
    days = form.find_element(By.NAME, "validDays")
    days.clear()
    days.send_keys("30")
    submit(browser, form)
    check_page(browser)
    assert "Rating certificate" in browser.find_element(By.TAG_NAME, "h1").text
    qr = browser.find_element(By.CSS_SELECTOR, ".certificate .qr")
    link = qr.get_attribute("href")
    assert "/verify?c=CC1." in link
    shot(browser, "certificate-en")
    with tempfile.TemporaryDirectory() as folder:
        png = Path(folder) / "qr.png"
        qr.screenshot(str(png))
        decoded = decode_qr(png)
    if decoded is not None:
        assert decoded == link, f"the QR code says {decoded!r}, the link is {link!r}"
    # Anyone who scans it, signed in or not, sees that it is genuine.
    verifier = make_browser(phone=True)
    verifier.get(link)
    assert path_of(verifier) == "/verify"
    text = visible_text(verifier)
    assert "Genuine" in text and "still hold today" in text, text[:400]
    check_page(verifier)
    shot(verifier, "verify-accepted-phone")


def test_verify_rejects_a_forgery(browser):
    assert visit(browser, "/verify") == 200
    field = browser.find_element(By.NAME, "c")
    field.send_keys("CC1.eyJmYWtlIjp0cnVlfQ.AAAA")
    submit(browser, field.find_element(By.XPATH, "./ancestor::form"))
    assert "Not accepted" in visible_text(browser)
    check_page(browser)
    shot(browser, "verify-rejected-en")
