"""JUnit XML: one testcase per property (check/fuzz) or per call (run)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    name: str
    classname: str
    seconds: float = 0.0
    failure: str | None = None   # message; the body carries details
    details: str = ""
    error: str | None = None
    skipped: str | None = None   # message: the case could not apply (not a pass)
    output: str = ""             # <system-out>: e.g. how many calls a property judged


def write_junit(path: str | Path, suite: str, cases: Sequence[Case]) -> None:
    root = ET.Element("testsuites")
    s = ET.SubElement(root, "testsuite", name=suite, tests=str(len(cases)),
                      failures=str(sum(1 for c in cases if c.failure)),
                      errors=str(sum(1 for c in cases if c.error)),
                      skipped=str(sum(1 for c in cases if c.skipped is not None)),
                      time=f"{sum(c.seconds for c in cases):.3f}")
    for c in cases:
        tc = ET.SubElement(s, "testcase", name=c.name, classname=c.classname,
                           time=f"{c.seconds:.3f}")
        if c.failure is not None:
            el = ET.SubElement(tc, "failure", message=c.failure)
            el.text = c.details
        if c.error is not None:
            el = ET.SubElement(tc, "error", message=c.error)
            el.text = c.details
        if c.skipped is not None:
            ET.SubElement(tc, "skipped", message=c.skipped)
        if c.output:
            ET.SubElement(tc, "system-out").text = c.output
    tree = ET.ElementTree(root)
    ET.indent(tree)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tree.write(str(path), encoding="utf-8", xml_declaration=True)
