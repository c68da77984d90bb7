"""The dialplan model on the ground floor: the only code that parses ``extensions.conf``
(and its ``#include``s). Coverage, explain, the channel check and the runtime-error
mapping read the model it builds.

- :mod:`.model`: frozen ``Dialplan``, ``Context``, ``Priority`` (file and line of each
  statement) and Asterisk-style step resolution (``Dialplan.resolve``);
- :mod:`.parse`: ``parse_dialplan``;
- :mod:`.match`: extension-name matching and Asterisk's search order.

Import from ``harness.dialplan``, not from its modules (``tests/unit/test_layers.py``).
"""
from __future__ import annotations

from .match import pattern_matches, specificity
from .model import Context, Dialplan, Priority
from .parse import parse_dialplan
from .reach import (DIAL_CHARS, MAX_DIAL, Comparison, Hop, Landing, Position, Reach, Shape,
                    Slice, Unresolved, pattern_shape, reachable)

__all__ = ["DIAL_CHARS", "MAX_DIAL", "Comparison", "Context", "Dialplan", "Hop", "Landing",
           "Position", "Priority", "Reach", "Shape", "Slice", "Unresolved", "parse_dialplan",
           "pattern_matches", "pattern_shape", "reachable", "specificity"]
