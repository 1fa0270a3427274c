"""``requirements.txt`` that installs on Linux and macOS: platform markers on the Linux-only pins.

``pip freeze`` on the tested machine (Linux x86-64) lists the CUDA wheels that torch pulls in there
(``nvidia-*``, ``triton``, ``cuda-*``); they exist only for Linux, and torch on macOS does not need them.
``make freeze`` pipes the freeze through ``python -m avscene.course.pins``, which appends
``; sys_platform == "linux"`` to each of them (PEP 508), so ``pip install -r requirements.txt`` on a Mac
installs the same pinned versions of everything else and skips them.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Iterable

LINUX_MARKER = 'sys_platform == "linux"'
LINUX_ONLY = re.compile(r"^(nvidia-.+|triton|cuda-.+|pytorch-triton.*)$")
"""Distribution names (normalized, PEP 503) that only Linux installs: torch's CUDA wheels on Linux."""


def _name(line: str) -> str:
    """The normalized distribution name of a requirement line, or ``""`` for a comment, blank or option."""
    line = line.strip()
    if not line or line.startswith(("#", "-")):
        return ""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
    return re.sub(r"[-_.]+", "-", match.group(0)).lower() if match else ""


def linux_only(line: str) -> bool:
    """True when the requirement line pins a Linux-only distribution."""
    return bool(LINUX_ONLY.match(_name(line)))


def mark(lines: Iterable[str]) -> list[str]:
    """The requirement lines with :data:`LINUX_MARKER` on every Linux-only pin (lines already marked and all
    others unchanged; idempotent)."""
    out = []
    for line in lines:
        line = line.rstrip("\n")
        if linux_only(line) and ";" not in line:
            line = f"{line.rstrip()} ; {LINUX_MARKER}"
        out.append(line)
    return out


def main() -> int:
    """Filter: requirement lines on stdin, marked lines on stdout."""
    for line in mark(sys.stdin):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
