"""Where a notebook's figures and numbers go, and the self-check cells that assert its results.

``figures/<notebook>/<name>.png`` and ``figures/<notebook>/metrics.json`` (profile, versions, device,
wall time, metrics, and the named runs it trained or loaded with their training seconds). ``smoke`` runs
write to a temporary folder and never touch ``figures/``. :func:`run_time_table` turns a notebook's
``metrics.json`` into the "Run time" table of its introduction (profile -> minutes, never typed).
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
RUN_TIME_PROFILES: tuple[str, ...] = ("cpu", "colab", "gpu")
"""The rows of :func:`run_time_table` (``smoke`` is for tests and never writes ``figures/``)."""
NOT_MEASURED = "not yet measured"
RUN_TIMES = Path(__file__).with_name("run_times.json")
"""Packaged snapshot ``{notebook: {profile: run_time}}`` of the measured run times (``make readme`` writes it)."""
TRAINED = "trained"  # Outputs.runs[name]["source"] of a run trained (or resumed) in this notebook run

_current: Outputs | None = None  # the notebook's Outputs (set by begin), told by the hub which runs it used


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
        self.runs: dict[str, dict[str, Any]] = {}
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

    def note_run(self, name: str, source: str, train_seconds: float | None) -> None:
        """Record that this notebook used the run ``name``: ``source`` is ``"trained"`` (here, or resumed
        here), ``"local"`` or ``"published"``; ``train_seconds`` is how long its training took. Read by
        :func:`run_time_table` to tell the minutes with published weights from those training everything. A run
        trained in this notebook run stays ``"trained"`` when it is loaded again later (its training time was spent
        here)."""
        if self.runs.get(name, {}).get("source") == TRAINED:
            return
        self.runs[name] = {"source": source,
                           "train_seconds": None if train_seconds is None else round(float(train_seconds), 2)}
        self.write()

    @property
    def wall_time_s(self) -> float:
        return time.perf_counter() - self.started

    def write(self) -> Path:
        path = self.dir / "metrics.json"
        doc = {"notebook": self.notebook, "profile": self.profile.name,
               "wall_time_s": round(self.wall_time_s, 2), "environment": self.environment,
               "metrics": self.metrics, "checks": self.checks, "runs": self.runs}
        path.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n")
        return path


def begin(notebook: str, profile: str) -> tuple[Profile, Outputs]:
    """A notebook's first lines after its parameters: the profile, its output folder, every generator seeded
    from the profile's seed, and one line saying which profile runs and where its figures go."""
    from .. import config

    global _current
    cfg = config.get(profile)
    out = _current = Outputs(notebook, cfg)
    runtime.flush_denormals()
    runtime.seed_everything(cfg.seed)
    print(f"profile {cfg.name!r}: {cfg.description}; figures and metrics go to {out.dir}")
    return cfg, out


def note_run(name: str, profile: str, source: str, train_seconds: float | None) -> None:
    """Tell the running notebook's :class:`Outputs` (the last :func:`begin`, when of the same profile) that it
    used the run ``name`` (:meth:`Outputs.note_run`); a no-op outside a notebook run. Called by the run hub."""
    if _current is not None and _current.profile.name == profile:
        _current.note_run(name, source, train_seconds)


def _minutes(minutes: float) -> str:
    """Minutes as the tables write them: one decimal, ``< 0.1`` below it."""
    return "< 0.1" if minutes < 0.05 else f"{minutes:.1f}"


def _training(minutes: dict[str, float]) -> list[str]:
    """``["`shift` 9.8", "`action/...` 12.3 (39 runs)"]``: runs of one family (the part of the name before
    the first ``/``) in one entry when there are several, so a notebook of many small runs stays readable."""
    families: dict[str, list[float]] = {}
    for name, m in minutes.items():
        families.setdefault(name.split("/")[0], []).append(m)
    return [f"`{fam}` {_minutes(ms[0])}" if len(ms) == 1 and fam in minutes
            else f"`{fam}/...` {_minutes(sum(ms))} ({len(ms)} runs)" for fam, ms in families.items()]


def machine(env: dict[str, Any]) -> str:
    """``environment`` of a ``metrics.json`` in a few words: ``2-core CPU, Linux x86_64``, ``Tesla T4 GPU, Colab``."""
    gpu = env.get("gpu")
    where = (f"{gpu.get('name', '?')} GPU" if gpu else
             f"{env['cpu_count']}-core CPU" if env.get("cpu_count") else str(env.get("device", "?")))
    if env.get("colab"):
        return f"{where}, Colab"
    parts = str(env.get("platform", "")).split("-")
    arch = next((s for s in parts if s in ("x86_64", "amd64", "AMD64", "arm64", "aarch64")), "")
    system = " ".join(s for s in (parts[0], arch) if s)
    return f"{where}, {system}" if system else where


def run_time(notebook: str, root: Path | None = None) -> dict[str, Any] | None:
    """What ``<root>/<notebook>/metrics.json`` (root: :func:`figures_root`) says about run time, or ``None``::

        {"profile": "cpu", "minutes": 9.8, "with_weights": 0.5 or None, "from_scratch": 9.8 or None,
         "training": {"shift": 8.8}, "machine": "2-core CPU, Linux x86_64"}

    ``minutes``: the last run's wall time. When it recorded its runs (``runs`` in ``metrics.json``, ``{}`` when
    it uses none), ``with_weights`` is that time without the training done in it (every run loaded, e.g.
    published weights) and ``from_scratch`` adds the training time of the runs it loaded (a first run with
    nothing published: it trains them all). Without that record both are ``None``.
    """
    path = Path(root if root is not None else figures_root()) / notebook / "metrics.json"
    if not path.exists():
        return None
    doc = json.loads(path.read_text())
    wall = float(doc["wall_time_s"])
    result: dict[str, Any] = {"profile": doc.get("profile"), "minutes": round(wall / 60, 2),
                              "with_weights": None, "from_scratch": None, "training": {},
                              "machine": machine(doc.get("environment") or {})}
    runs = doc.get("runs")
    if runs is not None:
        seconds = {name: float(r.get("train_seconds") or 0.0) for name, r in runs.items()}
        trained_here = sum(s for name, s in seconds.items() if runs[name].get("source") == TRAINED)
        result["training"] = {name: round(s / 60, 2) for name, s in seconds.items()}
        result["with_weights"] = round(max(wall - trained_here, 0.0) / 60, 2)  # a resumed run counts all its training
        result["from_scratch"] = round((wall - trained_here + sum(seconds.values())) / 60, 2)
    return result


def run_times(notebook: str, root: Path | None = None, snapshot: Path | None = RUN_TIMES) -> dict[str, dict[str, Any]]:
    """``{profile: run_time}`` of every profile measured for ``notebook``: the packaged ``snapshot`` (what
    ``make readme`` last collected, so a pip-installed avscene on Colab knows the ``cpu`` times too), with the
    notebook's own ``metrics.json`` (:func:`run_time`) over it for the profile it was run with."""
    known: dict[str, dict[str, Any]] = {}
    if snapshot is not None and Path(snapshot).exists():
        known = dict(json.loads(Path(snapshot).read_text()).get(notebook, {}))
    live = run_time(notebook, root)
    if live is not None:
        known[live["profile"]] = live
    return known


def run_time_table(notebook: str, profiles: tuple[str, ...] = RUN_TIME_PROFILES, root: Path | None = None,
                   snapshot: Path | None = RUN_TIMES) -> str:
    """The "Run time" table of a notebook's introduction, in markdown, read from its ``metrics.json`` and the
    packaged snapshot (:func:`run_times`; never typed): one row per profile, minutes with published weights
    and training every run it needs, and the machine it was measured on; a profile without a measurement
    says ``not yet measured``. In a notebook: ``display.markdown(outputs.run_time_table(out.notebook))``.
    """
    measured = run_times(notebook, root, snapshot)
    lines = ["| profile | minutes with published weights | minutes training from scratch | measured on |",
             "|---|---|---|---|"]
    note = ""
    for name in profiles:
        m = measured.get(name)
        if m is None:
            lines.append(f"| `{name}` | {NOT_MEASURED} | {NOT_MEASURED} | – |")
            continue
        if m["with_weights"] is None:
            with_w, scratch = f"{_minutes(m['minutes'])}*", "not recorded"
            note = ("\n\n*The wall time of the last measured run, which did not record whether it trained "
                    "the runs it needs or loaded them.")
        else:
            with_w, scratch = _minutes(m["with_weights"]), _minutes(m["from_scratch"])
            if m["training"]:
                scratch += " (training " + ", ".join(_training(m["training"])) + ")"
        lines.append(f"| `{name}` | {with_w} | {scratch} | {m['machine']} |")
    return "\n".join(lines) + note
