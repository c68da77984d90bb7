"""Hand-written dial strings through the real Asterisk with dialplans/jp-office.conf.

The expectations are written out by hand (not computed by the oracle), so this table
checks the reference dialplan, the AMI driver and the oracle's reading independently.
"""
from __future__ import annotations

import pytest

from harness.model import Outcome

O, B = "open", "intl_barred"
DOM, INTL, EMG, BLK = "domestic", "international", "emergency", "blocked"
ALW, PRH = "allowed", "prohibited"

# dial, subscriber, route, destination, presentation
TABLE = [
    # domestic, every NSN class
    ("0312345678", O, DOM, "+81312345678", ALW),
    ("0312345678", B, DOM, "+81312345678", ALW),
    ("0612345678", O, DOM, "+81612345678", ALW),
    ("0112345678", O, DOM, "+81112345678", ALW),
    ("09012345678", O, DOM, "+819012345678", ALW),
    ("08012345678", B, DOM, "+818012345678", ALW),
    ("07012345678", O, DOM, "+817012345678", ALW),
    ("05012345678", O, DOM, "+815012345678", ALW),
    ("02012345678", O, DOM, "+812012345678", ALW),
    ("06012345678", B, DOM, "+816012345678", ALW),
    ("0120123456", O, DOM, "+81120123456", ALW),
    ("08001234567", B, DOM, "+818001234567", ALW),
    ("0570123456", O, DOM, "+81570123456", ALW),
    ("0180123456", O, DOM, "+81180123456", ALW),
    ("0990123456", B, DOM, "+81990123456", ALW),
    # caller-ID prefixes
    ("1840312345678", O, DOM, "+81312345678", PRH),
    ("1860312345678", B, DOM, "+81312345678", ALW),
    ("18409012345678", B, DOM, "+819012345678", PRH),
    ("18608012345678", O, DOM, "+818012345678", ALW),   # the field report
    ("18608012345678", B, DOM, "+818012345678", ALW),
    # carrier identification codes, each of the profile
    ("00330312345678", O, DOM, "+81312345678", ALW),
    ("0010312345678", O, DOM, "+81312345678", ALW),
    ("00380312345678", B, DOM, "+81312345678", ALW),
    ("00410312345678", O, DOM, "+81312345678", ALW),
    ("00610312345678", O, DOM, "+81312345678", ALW),
    ("00770312345678", B, DOM, "+81312345678", ALW),
    ("00880312345678", O, DOM, "+81312345678", ALW),
    ("0037680312345678", O, DOM, "+81312345678", ALW),
    ("00376809012345678", B, DOM, "+819012345678", ALW),
    ("1860037680312345678", O, DOM, "+81312345678", ALW),  # the field report, with 003768
    ("1860037680312345678", B, DOM, "+81312345678", ALW),
    ("184003309012345678", B, DOM, "+819012345678", PRH),
    # international: 010 and +
    ("01012125551234", O, INTL, "+12125551234", ALW),
    ("01012125551234", B, BLK, None, None),
    ("010441234567890", O, INTL, "+441234567890", ALW),
    ("010861012345678", O, INTL, "+861012345678", ALW),
    ("+12125551234", O, INTL, "+12125551234", ALW),
    ("+12125551234", B, BLK, None, None),
    ("+441234567890", O, INTL, "+441234567890", ALW),
    ("003301012125551234", O, INTL, "+12125551234", ALW),
    ("003301012125551234", B, BLK, None, None),
    ("00101012125551234", O, INTL, "+12125551234", ALW),
    ("003768010441234567890", B, BLK, None, None),
    ("003768010441234567890", O, INTL, "+441234567890", ALW),
    ("18601012125551234", O, INTL, "+12125551234", ALW),
    ("18601012125551234", B, BLK, None, None),
    ("184+12125551234", O, INTL, "+12125551234", PRH),
    ("186+12125551234", B, BLK, None, None),
    ("+18608012345678", O, INTL, "+18608012345678", ALW),  # what the app rewrote it to
    ("+18608012345678", B, BLK, None, None),
    # +81 is Japan
    ("+81312345678", O, DOM, "+81312345678", ALW),
    ("+81312345678", B, DOM, "+81312345678", ALW),
    ("+819012345678", B, DOM, "+819012345678", ALW),
    ("184+819012345678", O, DOM, "+819012345678", PRH),
    ("186+81312345678", B, DOM, "+81312345678", ALW),
    # emergency, every class, after 184/186 too
    ("110", O, EMG, "110", ALW),
    ("110", B, EMG, "110", ALW),
    ("118", B, EMG, "118", ALW),
    ("119", O, EMG, "119", ALW),
    ("184110", B, EMG, "110", PRH),
    ("186119", O, EMG, "119", ALW),
    ("184118", O, EMG, "118", PRH),
    # outside the grammar: blocked
    ("999", O, BLK, None, None),
    ("0101", O, BLK, None, None),
    ("031234567", O, BLK, None, None),
    ("03123456789", O, BLK, None, None),
    ("184186110", O, BLK, None, None),
    ("0033110", B, BLK, None, None),
    ("1840", O, BLK, None, None),
    ("+", O, BLK, None, None),
    ("*21#", O, BLK, None, None),
    ("01081312345678", O, BLK, None, None),
    ("0+81312345678", O, BLK, None, None),
    ("186+", B, BLK, None, None),
    ("0312345678#", O, BLK, None, None),
]


@pytest.fixture(scope="module")
def outcomes(jp_office) -> dict[tuple[str, str], Outcome]:
    outs = jp_office.place([(d, s) for d, s, *_ in TABLE])
    return {(o.dial, o.subscriber): o for o in outs}


def test_table_is_big_enough() -> None:
    assert len(TABLE) >= 60
    assert len({(d, s) for d, s, *_ in TABLE}) == len(TABLE)


@pytest.mark.parametrize("dial,subscriber,route,destination,presentation", TABLE,
                         ids=[f"{s}-{d}" for d, s, *_ in TABLE])
def test_route(outcomes, dial, subscriber, route, destination, presentation) -> None:
    o = outcomes[(dial, subscriber)]
    got = (str(o.route), o.destination, str(o.presentation) if o.presentation else None)
    assert got == (route, destination, presentation), "\n".join(str(s) for s in o.steps)
    if route == BLK:
        assert not o.legs
    else:
        assert o.trunk in {"jp-domestic": DOM, "jp-intl": INTL, "jp-emergency": EMG} and \
            {"jp-domestic": DOM, "jp-intl": INTL, "jp-emergency": EMG}[o.trunk] == route
        assert o.steps, "a routed call must show the dialplan steps it ran"
