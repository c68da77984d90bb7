"""The command line (contract section 5). Thin: parse, call the shared primitives, print,
exit 0 (every property holds), 1 (a property fails) or 2 (the input is unusable)."""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import defaults
from .errors import DialharnessError, InputError
from .properties import CHECKS

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=["docker", "external"], default="docker",
                   help="start Asterisk in Docker (default) or use a running one "
                        "(DIALHARNESS_AMI_* environment variables)")
    p.add_argument("--driver", choices=["ami", "sip"], default="ami",
                   help="place calls as AMI Local channels (default) or real SIP INVITEs")
    p.add_argument("--timeout", type=float, default=defaults.TIMEOUT, metavar="SECONDS",
                   help="per-call timeout; a call with no outcome by then is an error "
                        f"(default {defaults.TIMEOUT:g})")
    p.add_argument("--max-steps", type=int, default=None, metavar="N",
                   help="dialplan steps (executed priorities) one call may run; a call that "
                        "runs more is a loop: hung up at once, exit 2 naming its lines "
                        f"(default {defaults.MAX_STEPS})")


def _checks_opts(p: argparse.ArgumentParser, default_examples: int) -> None:
    names = ", ".join(CHECKS)
    p.add_argument("target", metavar="TARGET.yaml")
    p.add_argument("--examples", type=int, default=default_examples, metavar="N",
                   help=f"generated dial strings, each placed for every subscriber (default {default_examples})")
    p.add_argument("--seed", type=int, default=None, help="fixed seed: the same run again")
    p.add_argument("--strict", action="store_true", help="also check invalid_is_blocked")
    p.add_argument("--checks", default=None, metavar="NAME,...", help=f"only these: {names}")
    p.add_argument("--exclude-checks", default=None, metavar="NAME,...", help="all but these")
    p.add_argument("--junit", metavar="FILE", help="write JUnit XML")
    p.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report")
    p.add_argument("--coverage", action="store_true",
                   help="print which dialplan priorities ran and which never did")
    p.add_argument("--batch", type=int, default=defaults.BATCH, metavar="N",
                   help="dial strings per Hypothesis example (calls in flight = N x subscribers)")
    p.add_argument("--database", default=str(defaults.DATABASE), metavar="DIR",
                   help="Hypothesis example database (failing examples are replayed first); "
                        "'none' to disable, 'redis://host:port' for a shared one")
    p.add_argument("--shard", default=None, metavar="I/N",
                   help="run shard I of N (1-based): a CI matrix splits a long run deterministically")
    _common(p)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialharness",
        description="Property-based tests of a real Asterisk PBX's dialing rules.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="CI gate: every routing property on generated dial strings")
    _checks_opts(p, defaults.EXAMPLES)

    p = sub.add_parser("fuzz", help="long run with progress; saves each counterexample as a scenario")
    _checks_opts(p, defaults.FUZZ_EXAMPLES)
    p.add_argument("--save-failures", metavar="DIR", help="write each counterexample as a scenario file")

    p = sub.add_parser("run", help="run scenario files (a field report as a test)")
    p.add_argument("scenarios", metavar="SCENARIO.yaml|DIR")
    p.add_argument("--junit", metavar="FILE")
    p.add_argument("--target", metavar="TARGET.yaml", default=None,
                   help="run the scenarios against this target instead of the one each names "
                        "(e.g. a candidate dialplan with the same subscribers and trunks)")
    p.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report")
    p.add_argument("--coverage", action="store_true",
                   help="print which dialplan priorities ran and which never did")
    _common(p)

    p = sub.add_parser("explain", help="route one dial string and show every dialplan step")
    p.add_argument("target", metavar="TARGET.yaml")
    p.add_argument("dial", metavar="DIAL")
    p.add_argument("--subscriber", default=None, help="default: the first in the target file")
    _common(p)

    p = sub.add_parser("bench", help="measure calls per second (AMI baseline, AMI driver, SIP driver)")
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--target", default=None, metavar="TARGET.yaml")
    p.add_argument("--short", action="store_true", help="a quick smoke run")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "max_steps", None) is not None and args.max_steps < 1:
            raise InputError(f"--max-steps must be at least 1, not {args.max_steps}")
        if args.command == "explain":
            from .commands.explain import explain
            return explain(args)
        if args.command in ("check", "fuzz"):
            from .commands.check import check
            return check(args)
        if args.command == "run":
            from .commands.run import run
            return run(args)
        if args.command == "bench":
            from .commands.bench import bench
            return bench(args)
    except DialharnessError as exc:
        print(f"dialharness: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("dialharness: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: still one clear line, never a pass
        if os.environ.get("DIALHARNESS_DEBUG"):
            raise
        print(f"dialharness: internal error: {type(exc).__name__}: {exc} "
              "(DIALHARNESS_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_UNUSABLE
    parser.error(f"unknown command {args.command}")
    return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
