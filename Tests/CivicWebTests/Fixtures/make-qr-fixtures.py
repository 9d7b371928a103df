#!/usr/bin/env python3
"""Writes qr-fixtures.json: reference QR symbols from the Python `qrcode` package (8.2), which the
Swift encoder's tests compare against module by module.

Run once (from the repository root) with `qrcode` installed:
    python3 -m venv /tmp/qr && /tmp/qr/bin/pip install qrcode==8.2
    /tmp/qr/bin/python Tests/CivicWebTests/Fixtures/make-qr-fixtures.py

Every symbol is byte mode (UTF-8, no ECI), like the Swift encoder; version and mask are forced so the
matrices are comparable, and Python's own automatic choices are recorded beside them.
"""
import json
import os

import qrcode
from qrcode import base, constants, util

LEVELS = {"L": constants.ERROR_CORRECT_L, "M": constants.ERROR_CORRECT_M,
          "Q": constants.ERROR_CORRECT_Q, "H": constants.ERROR_CORRECT_H}

TOKEN = ("eyJzdWJqZWN0IjoiUi0wMDQyIiwiZ3JhZGUiOiJBIiwiaXNzdWVkIjoiMjAyNi0wMy0wNCJ9"
         ".Zm9yZ2VkLW9yLW5vdC1vbmx5LXRoZS1zaWduYXR1cmUtdGVsbHMtbWUtMTIzNDU2Nzg5MF8tAB")
LONG_URL = "https://example.org/verify?c=" + TOKEN
LONG_TEXT = ("Certificate of standing. " * 40)[:1000]

# (name, text, level, keep all eight masks)
CASES = [
    ("short-url-M", "https://example.org/verify", "M", True),
    ("long-url-M", LONG_URL, "M", True),
    ("long-url-L", LONG_URL, "L", True),
    ("long-url-Q", LONG_URL, "Q", True),
    ("long-url-H", LONG_URL, "H", True),
    ("chinese-M", "社会信用积分：邻里互助 +5 分（规则 R12）", "M", True),
    ("digits-as-bytes-M", "01234567890123456789", "M", True),
    ("capacity-v1-M", "A" * 14, "M", True),
    ("long-text-Q", LONG_TEXT, "Q", False),
]


def new_qr(data, level, version=None, mask=None):
    qr = qrcode.QRCode(version=version, error_correction=LEVELS[level], mask_pattern=mask, border=0)
    qr.add_data(util.QRData(data, mode=util.MODE_8BIT_BYTE, check_data=False))
    return qr


def rows(modules):
    return ["".join("1" if m else "0" for m in row) for row in modules]


def case(name, text, level, all_masks):
    data = text.encode("utf-8")
    auto = new_qr(data, level)
    auto.make(fit=True)
    version = auto.version
    python_mask = auto.best_mask_pattern()  # evaluated with format and version areas left light
    test_penalties = []
    for m in range(8):
        auto.makeImpl(True, m)
        test_penalties.append(util.lost_point(auto.modules))

    matrices, penalties = {}, []
    for m in range(8):
        qr = new_qr(data, level, version=version, mask=m)
        qr.make(fit=False)
        penalties.append(util.lost_point(qr.modules))
        if all_masks or m == python_mask:
            matrices[str(m)] = rows(qr.modules)
    return {"name": name, "text": text, "level": level, "version": version,
            "pythonAutomaticMask": python_mask,
            "pythonPenaltiesWithBlankFormat": test_penalties,
            "penalties": penalties, "matrices": matrices}


def main():
    out = {
        "generator": "python qrcode " + getattr(qrcode, "__version__", "8.2"),
        "blocks": {level: [[[b.total_count, b.data_count] for b in base.rs_blocks(v, code)]
                           for v in range(1, 41)] for level, code in LEVELS.items()},
        "alignment": [list(util.pattern_position(v)) for v in range(1, 41)],
        "cases": [case(*c) for c in CASES],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "qr-fixtures.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    for c in out["cases"]:
        print(c["name"], "version", c["version"], "python mask", c["pythonAutomaticMask"],
              "penalties", c["penalties"])


if __name__ == "__main__":
    main()
