#!/usr/bin/env python3
"""The odds behind benchmarks/search.py, without a PBX: for each needle of
``dialplans/needles/``, how often one dial string hits its narrow rule when drawn

- by (b), the uniform grammar generator of ``benchmarks/search.py``, and
- by ``strategies.dial_strings(profile)``, the element strategy of dialharness's batches
  (Hypothesis's generation phase only: no batching, no target phase, no special table),

and whether the special dial table that ``check`` places first contains a hit. A "hit" is
a dial string for which the needle's rule decides the call for at least one subscriber
in a way that breaks a property of its header; the predicates below are written by hand
from each needle's one extra rule (they know the dialplan; the generators do not).

    python3 benchmarks/needle_odds.py [--draws 200000] [--hypothesis 20000]
"""
from __future__ import annotations

import argparse
import importlib.util
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import strategies  # noqa: E402
from harness.profile import load_profile  # noqa: E402

_spec = importlib.util.spec_from_file_location("search", ROOT / "benchmarks" / "search.py")
search = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(search)

P = load_profile("jp")
CICS = sorted(P.cic_codes, key=len, reverse=True)
CIDS = ("184", "186")


def split(d: str) -> tuple[str, str, str]:
    """cid, carrier code, body as the grammar reads a dial string (no validation)."""
    cid = d[:3] if d[:3] in CIDS else ""
    rest = d[len(cid):]
    cic = next((c for c in CICS if rest.startswith(c)), "")
    return cid, cic, rest[len(cic):]


def national(body: str) -> tuple[str | None, bool]:
    """The national number of a domestic or +81 body, and whether it came as +81."""
    if body.startswith("+81"):
        return "0" + body[3:], True
    if body.startswith("0") and not body.startswith("010"):
        return body, False
    return None, False


def cc_sub(body: str) -> tuple[str | None, str | None]:
    if body.startswith("+") and not body.startswith("+81"):
        return body[1:], "plus"
    if body.startswith("010"):
        return body[3:], "010"
    return None, None


def _digits(s: str | None, n: int | None = None) -> bool:
    return s is not None and s.isdigit() and (n is None or len(s) == n)


def hit(needle: str, d: str) -> bool:
    cid, cic, body = split(d)
    n, plus81 = national(body)
    cs, form = cc_sub(body)
    intl_ok = _digits(cs) and 7 <= len(cs or "") <= 15
    rules = {
        "n01": lambda: _digits(n, 10) and n.startswith("0295"),
        "n02": lambda: form == "010" and cs.startswith("680") and len(cs) >= 5,
        "n03": lambda: form == "010" and cic == "0077" and cs.startswith("27"),
        "n04": lambda: form == "plus" and cic == "" and cs.startswith("389") and len(cs) >= 4,
        "n05": lambda: _digits(n, 10) and not plus81 and cic == "" and n.startswith("01204"),
        "n06": lambda: cid == "186" and cic == "" and not plus81 and _digits(n, 11)
                       and n.startswith("070"),
        "n07": lambda: cid == "184" and cic == "" and body == "110",
        "n08": lambda: _digits(n, 10) and n.startswith("057066"),
        "n09": lambda: intl_ok and re.match(r"2[2-46][0-9]", cs) is not None,
        "n10": lambda: _digits(n, 10) and not plus81 and n.startswith("0542"),
        "n11": lambda: _digits(n, 11) and n.startswith("050"),
        "n12": lambda: intl_ok and len(cs) == 8,
        "n13": lambda: _digits(n, 11) and n.startswith("08008"),
        "n14": lambda: intl_ok and cs.startswith("8700"),
        "n15": lambda: form == "plus" and cic == "" and cs.startswith("260") and len(cs) >= 4,
        "n16": lambda: _digits(n, 10) and n.startswith("0990"),
    }
    return bool(rules[needle[:3]]())


def hypothesis_draws(n: int) -> list[str]:
    from hypothesis import HealthCheck, Phase, given, settings, seed
    out: list[str] = []

    @seed(1)
    @settings(max_examples=n, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategies.dial_strings(P))
    def collect(d: str) -> None:
        out.append(d)

    collect()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=200_000)
    ap.add_argument("--hypothesis", type=int, default=20_000)
    args = ap.parse_args()
    needles = sorted(p.stem for p in (ROOT / "dialplans" / "needles").glob("*.yaml"))
    gen = search.UniformGrammar(P, random.Random(12345))
    uniform = [gen.draw() for _ in range(args.draws)]
    hyp = hypothesis_draws(args.hypothesis) if args.hypothesis else []
    table = strategies.special_dial_table(P)
    budget, batch = 3000, 40
    print(f"uniform grammar: {args.draws} draws; dial_strings (Hypothesis generate phase, "
          f"seed 1): {len(hyp)} draws; special table: {len(table)} strings\n")
    print("| needle | hits per 10 000 uniform draws | P(uniform finds it within 3000 dial "
          "strings) | hits per 10 000 dial_strings draws | special table hits |")
    print("|---|---|---|---|---|")
    for name in needles:
        pu = sum(hit(name, d) for d in uniform) / len(uniform)
        within = 1 - (1 - pu) ** budget
        ph = (sum(hit(name, d) for d in hyp) / len(hyp)) if hyp else float("nan")
        th = [d for d in table if hit(name, d)]
        print(f"| `{name}` | {pu * 1e4:.1f} | {within:.2f} | {ph * 1e4:.1f} | "
              f"{', '.join(f'`{d}`' for d in th) or 'none'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
