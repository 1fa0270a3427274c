"""Where a notebook's figures and numbers go, and the self-check cells that assert its results.

``figures/<notebook>/<name>.png`` and ``figures/<notebook>/metrics.json`` (profile, versions, device,
wall time, metrics). ``smoke`` runs write to a temporary folder and never touch ``figures/``.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from .. import runtime
from ..config import Profile

FIGURES_ENV_VAR = "AVSCENE_FIGURES"


def figures_root() -> Path:
    """``$AVSCENE_FIGURES``, else the repository's ``figures/`` (source checkout), else ``./figures``."""
    if os.environ.get(FIGURES_ENV_VAR):
        return Path(os.environ[FIGURES_ENV_VAR])
    repo = Path(__file__).resolve().parents[3]
    if (repo / "notebooks").is_dir() and (repo / "lib" / "avscene").is_dir():
        return repo / "figures"
    return Path.cwd() / "figures"


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # numpy / torch scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


class Outputs:
    """One notebook run's output folder, metrics and self-checks.

    >>> out = Outputs("03_pretraining", cfg)
    >>> out.save_figure(fig, "loss")                       # figures/03_pretraining/loss.png
    >>> out.check("pretext accuracy", acc, at_least=0.95, paper=0.599)
    """

    def __init__(self, notebook: str, profile: Profile, root: Path | None = None) -> None:
        self.notebook = notebook
        self.profile = profile
        self.started = time.perf_counter()
        if root is None:
            root = (Path(tempfile.mkdtemp(prefix="avscene-smoke-")) if profile.name == "smoke"
                    else figures_root())
        self.dir = Path(root) / notebook
        self.dir.mkdir(parents=True, exist_ok=True)
        self.metrics: dict[str, Any] = {}
        self.checks: list[dict[str, Any]] = []
        self.environment = runtime.environment()

    def path(self, name: str) -> Path:
        return self.dir / name

    def save_figure(self, fig: Any, name: str, dpi: int = 110) -> Path:
        """Save a matplotlib figure as ``<dir>/<name>.png`` (before it is shown) and return the path."""
        path = self.dir / f"{name}.png"
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        return path

    def record(self, **metrics: Any) -> None:
        """Add numbers to ``metrics.json`` (written at once, so a crash keeps what was measured)."""
        self.metrics.update(_jsonable(metrics))
        self.write()

    def check(self, name: str, value: float, *, at_least: float | None = None,
              at_most: float | None = None, paper: float | str | None = None, unit: str = "") -> float:
        """Record ``value``, print it beside the paper's figure, and assert it lies in its range."""
        value = float(value)
        ok = bool((at_least is None or value >= at_least) and (at_most is None or value <= at_most))
        bounds = " and ".join(b for b in (f">= {at_least}" if at_least is not None else "",
                                          f"<= {at_most}" if at_most is not None else "") if b)
        paper_txt = f"   (paper: {paper}{unit})" if paper is not None else ""
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value:.4g}{unit}  expected {bounds or 'any'}"
              f" for profile {self.profile.name!r}{paper_txt}")
        self.checks.append(_jsonable({"name": name, "value": value, "at_least": at_least,
                                      "at_most": at_most, "paper": paper, "ok": ok}))
        self.record(**{name: value})
        if not ok:
            raise AssertionError(f"{self.notebook}: {name} = {value:.4g}{unit}, expected {bounds}")
        return value

    @property
    def wall_time_s(self) -> float:
        return time.perf_counter() - self.started

    def write(self) -> Path:
        path = self.dir / "metrics.json"
        doc = {"notebook": self.notebook, "profile": self.profile.name,
               "wall_time_s": round(self.wall_time_s, 2), "environment": self.environment,
               "metrics": self.metrics, "checks": self.checks}
        path.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n")
        return path


def begin(notebook: str, profile: str) -> tuple[Profile, Outputs]:
    """A notebook's first lines after its parameters: the profile, its output folder, every generator seeded
    from the profile's seed, and one line saying which profile runs and where its figures go."""
    from .. import config

    cfg = config.get(profile)
    out = Outputs(notebook, cfg)
    runtime.seed_everything(cfg.seed)
    print(f"profile {cfg.name!r}: {cfg.description}; figures and metrics go to {out.dir}")
    return cfg, out
