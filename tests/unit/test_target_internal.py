"""The target file's ``internal`` key (contract 1b), validated with file:line:col."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.target import load_target

HEAD = """dialplan: plan.conf
subscribers:
  open: {context: from-internal}
trunks:
  jp-domestic: {route: domestic}
"""


def write(tmp_path: Path, tail: str) -> Path:
    (tmp_path / "plan.conf").write_text("[from-internal]\n")
    p = tmp_path / "t.yaml"
    p.write_text(HEAD + tail)
    return p


def test_internal_extensions_and_endpoints_load(tmp_path: Path) -> None:
    t = load_target(write(tmp_path, 'internal:\n  extensions: ["_2XX", "*97"]\n'
                                    '  endpoints: ["PJSIP/2XX", "DAHDI/1"]\n'))
    assert t.internal.extensions == ("_2XX", "*97")
    assert t.internal.endpoints == ("PJSIP/2XX", "DAHDI/1")
    assert t.internal.has_endpoint("PJSIP/250") and not t.internal.has_endpoint("PJSIP/350")


@pytest.mark.parametrize("tail, where, fragment", [
    ("internal: [PJSIP/2XX]\n", ":6:", "must be a mapping"),
    ("internal:\n  endpoint: [PJSIP/2XX]\n", ":7:3:", "endpoints"),
    ("internal:\n  endpoints: [2XX]\n", ":7:", "bad entry '2XX'"),
    ("internal:\n  endpoints: PJSIP/2XX\n", ":7:", "must be a list"),
])
def test_bad_internal_entries_point_at_the_line(tmp_path: Path, tail: str, where: str,
                                               fragment: str) -> None:
    path = write(tmp_path, tail)
    with pytest.raises(ConfigError) as info:
        load_target(path)
    assert f"{path}{where}" in str(info.value)
    assert fragment in str(info.value)
