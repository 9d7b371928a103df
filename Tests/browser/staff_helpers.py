"""Shared steps of the assessor and committee browser tests: a phone photo, filing a report, an appeal to decide."""

from __future__ import annotations

import json
import struct
import tempfile
import zlib
from pathlib import Path

import pytest

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness import path_of, submit, visit


def photo_file(seed: int = 1) -> Path:
    """A small real PNG (a coloured square), as a phone camera would hand over a JPEG or PNG."""
    width = height = 48
    rows = b"".join(b"\x00" + b"".join(bytes(((x * 5 + seed) % 256, (y * 5) % 256, (seed * 40) % 256)) for x in range(width))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    path = Path(tempfile.mkdtemp(prefix="civic-photo-")) / f"photo-{seed}.png"
    path.write_bytes(png)
    return path


def plain_rule(select: Select) -> str:
    """The value of a rule that needs neither a duration nor evidence nor stars (its label says so)."""
    for option in select.options:
        label = option.text
        if option.get_attribute("value") and "points" in label and "at least" not in label and "evidence" not in label:
            return option.get_attribute("value")
    raise AssertionError("no plain rule among: " + "; ".join(o.text for o in select.options))


def file_report(browser, statement: str, photo: Path | None = None, subject: str | None = None,
                rule=plain_rule, photos: list[Path] | None = None) -> str:
    """Files a report through the form (as the signed-in assessor) and returns the report page's path.

    `rule` picks the rule's value from the form's rule list; where it finds none (it returns None), the test
    is skipped with its docstring as the reason. `photo` and `photos` are attached together."""
    if not subject:
        # A member of the first household, from the households page's "File a report" link.
        visit(browser, "/assessor")
        links = browser.find_elements(By.CSS_SELECTOR, "a[href*='/assessor/reports/new?subject=p-']")
        subject = links[0].get_attribute("href").split("subject=")[1]
    visit(browser, f"/assessor/reports/new?subject={subject}")
    form = browser.find_element(By.CSS_SELECTOR, "form[action='/assessor/reports']")
    rules = Select(form.find_element(By.NAME, "rule"))
    value = rule(rules)
    if value is None:
        pytest.skip(f"no rule the assessor may use {(rule.__doc__ or 'fits').strip()}")
    rules.select_by_value(value)
    statement_field = form.find_element(By.NAME, "statement")
    statement_field.clear()
    statement_field.send_keys(statement)
    files = ([photo] if photo else []) + list(photos or [])
    if files:
        form.find_element(By.NAME, "photos").send_keys("\n".join(str(file) for file in files))
    submit(browser, form)
    assert path_of(browser).startswith("/assessor/reports/r-"), browser.find_element(By.TAG_NAME, "body").text[:500]
    return path_of(browser)


def api(server, role: str, path: str, method: str = "GET", body: dict | None = None):
    token = server.credential(role)["token"]
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    answer = server.request(path, method=method, headers=headers, data=data)
    return answer.status, (json.loads(answer.body) if answer.body.startswith(("{", "[")) else answer.body)


def appeal_to_decide(server) -> str | None:
    """An undecided appeal of the demo (the reviewers' queue through the API), or None if there is none."""
    _, queue = api(server, "reviewer", "/appeals?limit=50")
    items = queue.get("items", []) if isinstance(queue, dict) else []
    return items[0]["appeal"]["id"] if items else None
