"""What a real-data loader skipped, and why (UCF-101 for notebook 05, VoxCeleb2 for notebook 06): every
skipped video is a row ``{"path", "part", "reason", "message"}``; a loader's report counts them by reason,
names the first few and writes them all to a csv beside its cache."""
from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

FIELDS = ("path", "part", "reason", "message")


def counts(skipped: Sequence[dict[str, str]]) -> dict[str, int]:
    """``{reason: videos}``, sorted by reason."""
    return dict(sorted(Counter(s["reason"] for s in skipped).items()))


def lines(skipped: Sequence[dict[str, str]], shown: int, skipped_csv: str | None = None) -> list[str]:
    """The report's lines on the skipped videos: the count by reason, the first ``shown`` by name, and where
    the rest are listed."""
    by_reason = ", ".join(f"{k}: {v}" for k, v in counts(skipped).items()) or "none"
    out = [f"  skipped {len(skipped)} videos; by reason: {by_reason}"]
    out += [f"    {s['part']} {s['reason']}: {s['message']}" for s in skipped[:shown]]
    if len(skipped) > shown:
        out.append(f"    ... and {len(skipped) - shown} more" + (f" (all of them in {skipped_csv})" if skipped_csv else ""))
    return out


def write(path: Path, skipped: Sequence[dict[str, str]]) -> str | None:
    """Every skipped video to the csv ``path`` (columns :data:`FIELDS`); its path, or ``None`` when the folder
    cannot be written (a read-only cache: the report still counts them)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(FIELDS))
            w.writeheader()
            w.writerows(skipped)
    except OSError:
        return None
    return str(path)
