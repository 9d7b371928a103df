"""Every page each person can reach, in both languages, on a desktop and a phone: axe-core finds no serious
or critical accessibility violation, the Nu HTML Checker (vnu) finds no error in the HTML as served, and
every page follows the conventions of harness.check_page.

The pages are found, not listed: from each person's home (and the public home for a visitor), every link
the person can follow is followed, breadth first. Pages of one shape (ids in the path count as one shape)
are checked once per set of form fields they show: up to SHAPE_TRIES of a shape are fetched, so a report
the person may decide is checked beside one they may not. A new page is covered as soon as something
links to it. English is checked on a desktop and Chinese on a phone, so each page is seen in both
languages and on both screens.
"""

from __future__ import annotations

import re
import urllib.parse
from collections import deque

import pytest
from selenium.webdriver.common.by import By

import staff_helpers
from harness import PERSON_ROLES, ROLE_HOME, axe_violations, login, page_problems, path_of, shot, visit, vnu_errors

#: Paths that are not pages to check: downloads, the way out, the pages' own files.
NOT_A_PAGE = re.compile(
    r"^/(logout|static/|favicon)|\.(csv|jsonl|json|png|svg|pdf|txt|zip|js|css)$|/export($|/)|/download($|/)"
    r"|^/(openapi|metrics|livez|readyz|healthz)")
#: At most this many pages per person and view (a guard against a page that links to ever new pages).
PAGE_LIMIT = 60
#: Pages of one shape fetched at most this often while looking for one that shows a form.
SHAPE_TRIES = 6
#: What axe calls serious or critical fails; moderate and minor findings are printed, not failed.
FAILING_IMPACT = {"serious", "critical"}

VIEWS = [
    pytest.param("en-US,en", False, id="en-desktop"),
    pytest.param("zh-CN,zh", True, id="zh-phone"),
]
VISITORS = [None, *PERSON_ROLES]


def shape(path: str, query: str) -> str:
    """A page's shape: path segments holding digits or id-like words count as one, and so do query values."""
    parts = []
    for segment in path.split("/"):
        parts.append("*" if re.search(r"\d", segment) or len(segment) > 24 else segment)
    keys = sorted(k for k, _ in urllib.parse.parse_qsl(query, keep_blank_values=True) if k != "lang")
    return "/".join(parts) + ("?" + "&".join(keys) if keys else "")


def links(browser, origin: str) -> list[str]:
    hrefs = browser.execute_script(
        "return [...document.querySelectorAll('a[href]')].filter(a => !a.hasAttribute('download'))"
        ".map(a => a.href)")
    found = []
    for href in hrefs:
        parts = urllib.parse.urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or NOT_A_PAGE.search(parts.path):
            continue
        query = "&".join(f"{k}={v}" for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
                         if k != "lang")
        found.append(parts.path + ("?" + query if query else ""))
    return found


def form_layout(html: str) -> str:
    """What a page asks of its reader: each field's kind and name (empty for a page without a form)."""
    found = set()
    for tag, attributes in re.findall(r"<(input|select|textarea|button)\b([^>]*)>", html):
        kind = re.search(r'\btype="([^"]*)"', attributes)
        name = re.search(r'\bname="([^"]*)"', attributes)
        if kind and kind.group(1) == "hidden":
            continue
        found.add(f"{tag}:{kind.group(1) if kind else ''}:{name.group(1) if name else ''}")
    return " ".join(sorted(found))


def raw_html(browser, server, path: str):
    """The page as the server sends it (vnu checks the bytes, not the browser's repaired DOM)."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    accept = browser.execute_script("return navigator.languages.join(',')")
    return server.request(path, headers={"Cookie": cookies, "Accept-Language": accept})


@pytest.mark.parametrize("accept_language, phone", VIEWS)
@pytest.mark.parametrize("role", VISITORS, ids=lambda r: r or "visitor")
def test_every_page_is_accessible_and_valid(make_browser, server, tmp_path, role, accept_language, phone):
    if role == "reviewer":
        # The reviewer's queue must hold a report they may decide, whatever the demo's today left in it:
        # the decision form is the page a reviewer exists for.
        assessor = make_browser()
        login(assessor, "assessor")
        staff_helpers.file_report(assessor, "Swept the square after the market", staff_helpers.photo_file(31))
    browser = make_browser(phone=phone, accept_language=accept_language)
    if role is None:
        start = "/"
        visit(browser, start)
    else:
        login(browser, role)
        start = ROLE_HOME[role]
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(browser.current_url))
    queue, seen = deque([start]), []
    tries: dict[str, int] = {}
    layouts: set[tuple[str, str]] = set()
    problems: list[str] = []
    minor: list[str] = []
    files: dict[str, str] = {}
    forms: set[str] = set()
    while queue and len(seen) < PAGE_LIMIT:
        path = queue.popleft()
        parts = urllib.parse.urlsplit(path)
        key = shape(parts.path, parts.query)
        if tries.get(key, 0) >= SHAPE_TRIES:
            continue
        tries[key] = tries.get(key, 0) + 1
        # Only pages: a link may lead to a text or JSON document (a checkpoint, a download).
        raw = raw_html(browser, server, path)
        if not {k.lower(): v for k, v in raw.headers.items()}.get("content-type", "").startswith("text/html"):
            continue
        # Pages of one shape differ in the forms they show (a report one may decide and one one may not),
        # so each form layout of a shape is checked once.
        layout = (key, form_layout(raw.body))
        if layout in layouts:
            continue
        layouts.add(layout)
        code = visit(browser, path)
        if path_of(browser) == "/login" and role is not None:
            problems.append(f"{path}: following a link signed the {role} out")
            break
        seen.append(path)
        if code is not None and code >= 500:
            problems.append(f"{path}: status {code}")
            continue
        for problem in page_problems(browser):
            problems.append(f"{path}: {problem}")
        try:
            violations = axe_violations(browser)
        except RuntimeError as error:
            problems.append(f"{path}: {error}")
            violations = []
        for violation in violations:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            line = f"{path}: axe {violation['impact']} {violation['id']} ({violation['help']}) at {targets}"
            (problems if violation["impact"] in FAILING_IMPACT else minor).append(line)
        name = f"page-{len(seen):02d}.html"
        (tmp_path / name).write_text(raw.body, "utf-8")
        files[name] = path
        forms |= set(re.findall(r'<form\b[^>]*\baction="([^"]*)"', raw.body))
        if len(seen) == 1:
            shot(browser, f"every-page-{role or 'visitor'}-{'phone' if phone else 'desktop'}-"
                          f"{accept_language.split('-')[0]}")
        for link in links(browser, origin):
            if link not in seen:
                queue.append(link)
    for name, errors in vnu_errors([tmp_path / n for n in files]).items():
        for error in errors[:5]:
            problems.append(f"{files.get(name, name)}: HTML {error}")
    print(f"\n{role or 'visitor'} ({accept_language.split(',')[0]}, {'phone' if phone else 'desktop'}): "
          f"{len(seen)} pages: {' '.join(seen)}")
    for line in minor:
        print("  (not failed) " + line)
    # A person reaches more than their home: the crawl itself must have worked.
    assert len(seen) >= 3, f"only {seen} reached from {start}"
    if role == "reviewer":
        assert any(re.match(r"/committee/reports/[^/]+/decision$", f) for f in forms), \
            f"no report decision form among the checked pages' forms {sorted(forms)}"
    assert not problems, f"{len(problems)} problems on {len(seen)} pages:\n  " + "\n  ".join(problems)
