"""The harness's own checks, against small pages of a local HTTP server (no civic server needed):
each page convention check must catch what it is for, the status must be the real one, the
Accept-Language setting must reach the server, and screenshots must cover the whole page."""

from __future__ import annotations

import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import harness

GOOD = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Good</title></head>
<body><h1>A good page</h1><a hreflang="zh" href="/zh">中文</a>
<form method="post" action="/x"><input type="hidden" name="csrf" value="t">
<label for="a">Name</label><input id="a" name="a">
<label>Wrapped <select name="b"><option>1</option></select></label>
<textarea name="c" aria-label="Comment"></textarea>
<span id="d-label">Day</span><input name="d" type="date" aria-labelledby="d-label">
<button type="submit">Send</button></form></body></html>"""

ZH = GOOD.replace('lang="en"', 'lang="zh-Hans"').replace("A good page", "好页面").replace(
    'hreflang="zh" href="/zh">中文', 'hreflang="en" href="/good">English')

PAGES = {
    "/good": (200, GOOD),
    "/zh": (200, ZH),
    "/missing": (404, GOOD.replace("A good page", "Not found")),
    "/two-h1": (200, GOOD.replace("<h1>A good page</h1>", "<h1>One</h1><h1>Two</h1>")),
    "/no-h1": (200, GOOD.replace("<h1>A good page</h1>", "<h2>No title</h2>")),
    "/lang": (200, GOOD.replace('lang="en"', 'lang="zh-CN"')),
    "/key": (200, GOOD.replace("A good page", "Welcome [home.subtitle]")),
    "/key-attribute": (200, GOOD.replace('aria-label="Comment"', 'aria-label="[form.comment]"')),
    "/unlabelled": (200, GOOD.replace('<label for="a">Name</label>', "Name")),
    "/wide": (200, GOOD.replace("<h1>A good page</h1>", '<h1>A good page</h1><div style="width:600px">wide</div>')),
    "/no-viewport": (200, GOOD.replace('<meta name="viewport" content="width=device-width, initial-scale=1">', "")),
    "/form-error": (422, GOOD.replace('<input id="a" name="a">',
                                      '<input id="a" name="a" aria-invalid="true" aria-describedby="a-error">'
                                      '<p id="a-error">Name is required</p><p role="alert">Check the form</p>')),
    "/inaccessible": (200, GOOD.replace("<h1>A good page</h1>",
                                        '<h1>A good page</h1><img src="/x.png"><p style="color:#eee;background:#fff">pale</p>'
                                        '<button type="button"></button>')),
    "/tall": (200, GOOD.replace("<h1>A good page</h1>", '<h1>A good page</h1><div style="height:3000px">tall</div>')),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/echo-language":
            code, body = 200, GOOD.replace("A good page", f"Accept-Language: {self.headers.get('Accept-Language')}")
        else:
            code, body = PAGES.get(path, (404, "<html><body>no</body></html>"))
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Local:
    def __init__(self, port):
        self.port = port

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="module")
def local():
    if not harness.browsers_installed():
        pytest.skip("no chromium/chromedriver")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Local(httpd.server_address[1])
    httpd.shutdown()


@pytest.fixture(scope="module")
def desktop(local):
    driver = harness.new_driver()
    driver.civic_server = local
    yield driver
    harness.quit_driver(driver)


@pytest.fixture(scope="module")
def handset(local):
    driver = harness.new_driver(phone=True)
    driver.civic_server = local
    yield driver
    harness.quit_driver(driver)


def problems_of(driver, path):
    harness.visit(driver, path)
    return harness.page_problems(driver)


def test_a_good_page_passes(desktop, handset):
    assert harness.visit(desktop, "/good") == 200
    harness.check_page(desktop)
    assert harness.visit(handset, "/good") == 200
    harness.check_page(handset)


@pytest.mark.parametrize("path, expected", [
    ("/two-h1", "2 <h1> elements"),
    ("/no-h1", "0 <h1> elements"),
    ("/lang", "<html lang='zh-CN'>"),
    ("/key", "missing catalog keys shown: [home.subtitle]"),
    ("/key-attribute", "missing catalog keys shown: [form.comment]"),
    ("/unlabelled", 'a field without a label: <input id="a" name="a">'),
])
def test_each_convention_is_checked(desktop, path, expected):
    problems = problems_of(desktop, path)
    assert any(expected in p for p in problems), problems
    with pytest.raises(AssertionError, match="127.0.0.1"):
        harness.check_page(desktop)


def test_sideways_scrolling_on_the_phone_is_caught(handset, desktop):
    assert any("scrolls sideways: the page is" in p for p in problems_of(handset, "/wide")), "600 px on a 390 px phone"
    assert problems_of(desktop, "/wide") == []  # fits in 1280 px


def test_a_page_without_a_device_width_viewport_is_caught_on_the_phone(handset):
    problems = problems_of(handset, "/no-viewport")
    assert any("laid out 980 px wide on a 390 px phone" in p for p in problems), problems


def test_status_is_the_documents_own(desktop):
    assert harness.visit(desktop, "/missing") == 404
    assert harness.visit(desktop, "/good") == 200
    assert harness.visit(desktop, "/missing") == 404


def test_phone_emulates_a_phone(handset):
    harness.visit(handset, "/good")
    width, touch, agent = handset.execute_script(
        "return [window.innerWidth, navigator.maxTouchPoints, navigator.userAgent]")
    assert (width, touch > 0, "iPhone" in agent) == (390, True, True)


@pytest.mark.parametrize("accept, shown", [("en-US,en", "Accept-Language: en-US,en;q=0.9"),
                                           ("zh-CN,zh", "Accept-Language: zh-CN,zh;q=0.9")])
def test_accept_language_reaches_the_server(local, accept, shown):
    driver = harness.new_driver(accept_language=accept)
    try:
        driver.civic_server = local
        harness.visit(driver, "/echo-language")
        assert driver.find_element("tag name", "h1").text == shown
    finally:
        harness.quit_driver(driver)


def test_switch_language_follows_the_link(desktop):
    harness.visit(desktop, "/good")
    harness.switch_language(desktop, "zh")
    assert (harness.path_of(desktop), harness.html_lang(desktop)) == ("/zh", "zh-Hans")
    harness.switch_language(desktop, "en")
    assert (harness.path_of(desktop), harness.html_lang(desktop)) == ("/good", "en")
    with pytest.raises(AssertionError, match="no language switch link"):
        harness.switch_language(desktop, "fr")


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshots_cover_the_whole_page(desktop, handset, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVIC_SCREENSHOTS", str(tmp_path / "shots"))
    harness.visit(desktop, "/tall")
    width, height = png_size(harness.shot(desktop, "tall"))
    assert 1250 <= width <= 1280 and height > 3000, (width, height)  # less the scrollbar
    harness.visit(handset, "/tall")
    width, height = png_size(harness.shot(handset, "tall-phone.png"))
    assert width == 780 and height > 6000, (width, height)  # 390 CSS px at the phone's 2 pixels a px
    assert sorted(p.name for p in (tmp_path / "shots").iterdir()) == ["tall-phone.png", "tall.png"]
    with pytest.raises(ValueError):
        harness.shot(desktop, "../escape")


def test_error_messages_are_found(desktop):
    assert harness.visit(desktop, "/form-error") == 422
    assert sorted(harness.error_messages(desktop)) == ["Check the form", "Name is required"]
    harness.visit(desktop, "/good")
    assert harness.error_messages(desktop) == []


def test_axe_passes_a_good_page_and_catches_an_inaccessible_one(desktop):
    harness.visit(desktop, "/good")
    serious = [v["id"] for v in harness.axe_violations(desktop) if v["impact"] in ("serious", "critical")]
    assert serious == []
    harness.visit(desktop, "/inaccessible")
    found = {v["id"]: v["impact"] for v in harness.axe_violations(desktop)}
    # An image without a text alternative, a button without a name, text too pale to read.
    assert found.get("image-alt") == "critical", found
    assert found.get("button-name") == "critical", found
    assert found.get("color-contrast") == "serious", found


def test_the_html_checker_passes_a_good_page_and_catches_errors(tmp_path):
    (tmp_path / "good.html").write_text(GOOD, "utf-8")
    (tmp_path / "bad.html").write_text(
        GOOD.replace("<h1>A good page</h1>", '<h1 id="x">A good page</h1><p id="x">twice</p><div><span></div>'), "utf-8")
    errors = harness.vnu_errors([tmp_path / "good.html", tmp_path / "bad.html"])
    assert "good.html" not in errors, errors
    text = " ".join(errors.get("bad.html", []))
    assert "Duplicate ID" in text and "x" in text, errors
    assert "span" in text, errors  # the unclosed <span>
