"""Terminal progress and summary, the HTML report in a real headless browser, dialplan
coverage and explain's source lines: all through the real command on a real Asterisk."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import DIALPLANS, JP_OFFICE, ROOT, run_cli

DATA = Path(__file__).resolve().parent / "data"
FAST = ("--examples", "10", "--batch", "1", "--seed", "1", "--database", "none")
CONTROL = re.compile(r"[\x1b\r]")


def field_report_mutant() -> Path:
    """The mutant whose header says it is the field report's bug: dialplans/mutants/ if one
    is there, else the copy kept with these tests."""
    for target in sorted((DIALPLANS / "mutants").glob("*.yaml")):
        text = target.read_text(encoding="utf-8")
        m = re.search(r"^dialplan:\s*(\S+)", text, re.M)
        conf = target.parent / m.group(1) if m else None
        head = "".join(conf.read_text(encoding="utf-8").splitlines(True)[:15]) \
            if conf and conf.is_file() else ""
        if re.search(r"field[- ]report", head + text[:600], re.I):
            return target
    return DATA / "field-report-mutant.yaml"


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def browser(*args: str) -> subprocess.CompletedProcess[str]:
    exe = chromium()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium; "
                    "scripts/provision.sh installs it)")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120)


class Cells(HTMLParser):
    """The route map's cells as the browser left the DOM: (data-*, is it red?)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[dict[str, str], bool]] = []
        self.bad_count: str | None = None
        self.counted_by_js = False
        self._in_count = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "td" and "cell" in classes and "data-cid" in a:
            self.cells.append((a, "bad" in classes))
        if a.get("id") == "bad-count":
            self._in_count = True
            self.counted_by_js = a.get("data-counted") == "js"

    def handle_data(self, data: str) -> None:
        if self._in_count:
            self.bad_count = data.strip()
            self._in_count = False


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    out = tmp_path_factory.mktemp("reports")
    got = {}
    for name, target in (("reference", JP_OFFICE), ("mutant", field_report_mutant())):
        html = out / f"{name}.html"
        r = run_cli("check", str(target), *FAST, "--report", str(html), "--coverage",
                    env={"CI": ""})
        got[name] = (html, r)
    return got


def test_check_exit_status_summary_and_no_control_codes(reports) -> None:
    _html, ref = reports["reference"]
    _html, mut = reports["mutant"]
    assert ref.returncode == 0, ref.stderr + ref.stdout
    assert mut.returncode == 1, mut.stderr + mut.stdout
    for r in (ref, mut):
        # not a TTY: plain progress lines, no cursor movement, no colour
        assert not CONTROL.search(r.stdout + r.stderr), repr((r.stdout + r.stderr)[:400])
        assert re.search(r"^check: done: \d+", r.stderr, re.M), r.stderr
        assert re.search(r"^property\s+calls judged\s+passed\s+failed\s+judge time", r.stdout, re.M)
        assert "dialplan coverage of" in r.stdout and "TOTAL" in r.stdout
    assert "all properties hold" in ref.stdout
    assert re.search(r"^no_unintended_international\s+\d+\s+\d+\s+[1-9]\d*\s.*FAIL$",
                     mut.stdout, re.M), mut.stdout


def test_run_progress_summary_and_coverage_of_shipped_scenarios() -> None:
    r = run_cli("run", str(ROOT / "scenarios"), "--coverage", env={"CI": "true"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert not CONTROL.search(r.stdout + r.stderr)
    assert re.search(r"^run: done: (\d+)/\1 calls", r.stderr, re.M), r.stderr
    assert re.search(r"^barring_holds\s+\d+\s+\d+\s+0\s", r.stdout, re.M), r.stdout
    assert "dialplan coverage of jp-office.conf" in r.stdout
    table = re.search(r"^TOTAL\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%$", r.stdout, re.M)
    assert table, r.stdout
    statements, ran, never, _pct = map(int, table.groups())
    assert statements == ran + never and 0 < ran < statements
    listed = re.findall(r"^  jp-office\.conf:(\d+)  \[[\w-]+\]  (?:exten|same) =>", r.stdout, re.M)
    assert len(listed) == never
    assert re.search(r"^from-internal\s+jp-office\.conf:\d+\s+6\s+6\s+0\s+100%$", r.stdout, re.M)


def test_explain_shows_the_dialplan_line_of_each_step() -> None:
    r = run_cli("explain", str(JP_OFFICE), "18608012345678", "--subscriber", "intl_barred")
    assert r.returncode == 0, r.stdout + r.stderr
    conf = (DIALPLANS / "jp-office.conf").read_text().splitlines()
    refs = re.findall(r"^\s+jp-office\.conf:(\d+)  \[([\w-]+)\] (.*)$", r.stdout, re.M)
    steps = re.findall(r"^\s+\d+  [\w-]+,\S+,\d+  ", r.stdout, re.M)
    assert refs and len(refs) == len(steps), r.stdout
    for line, _ctx, text in refs:
        assert conf[int(line) - 1].strip().startswith(text)
    assert [c for _l, c, _t in refs][:4] == ["from-internal-barred"] * 3 + ["jp-domestic"]


@pytest.mark.parametrize("name", ["reference", "mutant"])
def test_report_renders_in_a_headless_browser(reports, name: str, tmp_path: Path) -> None:
    html, _r = reports[name]
    text = html.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//|@import|url\(""", text)
    dom = browser("--dump-dom", html.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    cells = Cells()
    cells.feed(dom.stdout)
    assert len(cells.cells) == 486  # 2 subscribers x (none/184/186) x 9 carrier codes x 9 classes
    assert cells.counted_by_js  # the inline script ran in the browser
    red = [a for a, bad in cells.cells if bad]
    assert cells.bad_count == str(len(red))
    red_186 = [a for a in red if a["data-cid"] == "186"]
    if name == "reference":
        assert red == [], red[:5]
    else:
        assert any(a["data-body"] in ("mobile", "fixed") for a in red_186), red[:5]
        assert red_186 and len(red_186) >= len(red) // 2
        assert "Failures (" in dom.stdout and "dialharness explain" in dom.stdout
    shot = tmp_path / f"{name}.png"
    r = browser(f"--screenshot={shot}", "--window-size=1400,2400", html.as_uri())
    assert r.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
