"""Fixtures for the browser tests: one demo server for the whole run, a fresh Chromium per test.

  server       (session) the running `civic serve --demo` (harness.CivicServer): .url(path),
               .credential(role), .request(path, ...), .credentials, .log_path
  browser      desktop Chromium (1280x900, Accept-Language en-US), tied to the server
  phone        a 390x844 touch phone (device emulation, mobile user agent), tied to the server
  browser_zh   desktop Chromium sending Accept-Language zh-CN
  make_browser make_browser(phone=False, accept_language="en-US,en") for more (e.g. two people at once)

Environment: CIVIC_BINARY (default .build/debug/civic), CIVIC_DEMO_RESIDENTS (300),
CIVIC_SERVER_START_TIMEOUT (120 s), CIVIC_SCREENSHOTS (ci-output/screenshots).
When a test fails, every browser it used leaves FAILED-<test>[-n].png beside the screenshots.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

import harness


def pytest_report_header(config):
    return [f"civic binary: {_binary()}", f"chromium: {harness.CHROMIUM}, chromedriver: {harness.CHROMEDRIVER}",
            f"screenshots: {harness.screenshot_directory()}"]


def _binary() -> Path:
    configured = Path(os.environ.get("CIVIC_BINARY", ".build/debug/civic"))
    return configured if configured.is_absolute() else (Path.cwd() / configured if (Path.cwd() / configured).exists()
                                                        else harness.REPOSITORY / configured)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"civic_report_{report.when}", report)
    return report


def _say(request, text: str, **markup) -> None:
    """Writes a line to the terminal now, past pytest's output capture."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    if capture is None:
        reporter.write_line(text, **markup)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(text, **markup)


@pytest.fixture(scope="session")
def server(request):
    if not harness.browsers_installed():
        pytest.skip(f"no {harness.CHROMIUM} or {harness.CHROMEDRIVER}: apt-get install chromium chromium-driver")
    directory = Path(tempfile.mkdtemp(prefix="civic-browser-"))
    civic = harness.CivicServer(binary=_binary(), directory=directory, port=harness.free_port(),
                                residents=int(os.environ.get("CIVIC_DEMO_RESIDENTS", "300")))
    try:
        failure = None
        try:
            civic.start(timeout=float(os.environ.get("CIVIC_SERVER_START_TIMEOUT", "120")))
        except RuntimeError as error:
            failure = str(error)
        if failure:
            # Said once here; every test that needs the server then fails with the short message.
            _say(request, f"\n{failure}", red=True)
            pytest.fail(f"the demo server did not start: {failure.splitlines()[0]}", pytrace=False)
        _say(request, f"\ncivic serve --demo ({civic.residents} residents) answered /livez after "
                      f"{civic.start_seconds:.1f} s on {civic.base_url}")
        yield civic
    finally:
        stopped = None
        try:
            stopped = civic.stop()
        finally:
            # Keep the server's log with the screenshots (CI shows that folder); drop the demo database.
            if civic.log_path.exists():
                shutil.copyfile(civic.log_path, harness.screenshot_directory().parent / "browser-server.log")
            # With CIVIC_LOG_KEEP (scripts/test): the log and the demo credentials, for the whole run's canary
            # search (scripts/log-canary.py).
            log_keep = os.environ.get("CIVIC_LOG_KEEP")
            if log_keep and civic.log_path.exists():
                os.makedirs(log_keep, exist_ok=True)
                shutil.copyfile(civic.log_path, os.path.join(log_keep, "browser-server.log"))
                secrets = sorted({v for c in (civic.credentials or []) for v in (c.get("token"), c.get("password")) if v})
                with open(os.path.join(log_keep, "browser.canaries.json"), "w") as f:
                    json.dump(secrets, f)
            shutil.rmtree(directory, ignore_errors=True)
        if stopped not in (None, 0):
            _say(request, f"civic serve exited with status {stopped} on SIGINT; see ci-output/browser-server.log")


@pytest.fixture
def make_browser(request, server):
    """make_browser(phone=False, accept_language="en-US,en") -> a new Chromium tied to the server."""
    drivers = []

    def make(*, phone: bool = False, accept_language: str = "en-US,en"):
        driver = harness.new_driver(phone=phone, accept_language=accept_language)
        driver.civic_server = server
        drivers.append(driver)
        return driver

    yield make
    report = getattr(request.node, "civic_report_call", None)
    failed = report is not None and report.failed
    for index, driver in enumerate(drivers):
        try:
            if failed:
                suffix = f"-{index + 1}" if len(drivers) > 1 else ""
                name = re.sub(r"[^A-Za-z0-9._-]+", "_", request.node.name)[:120]
                try:
                    harness.shot(driver, f"FAILED-{name}{suffix}")
                except Exception:
                    pass
        finally:
            harness.quit_driver(driver)


@pytest.fixture
def browser(make_browser):
    return make_browser()


@pytest.fixture
def phone(make_browser):
    return make_browser(phone=True)


@pytest.fixture
def browser_zh(make_browser):
    return make_browser(accept_language="zh-CN,zh")
