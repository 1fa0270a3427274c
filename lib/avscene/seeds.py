"""Seed studies: the headline numbers of notebooks 03 and 04 over several seeds, each trained from scratch.

A result holds only if another machine gets it too, and a CPU with other kernels takes another path
through training. So the self-check thresholds of ``Expectations`` and the headline numbers in notebooks
03-04 and the README come from several seeds, never from one run:

    python -m avscene.seeds --profile cpu --seeds 0 1 2          (make seeds)

For every seed ``k`` (``cfg.seed = k``: its own synthetic world, initialisation, data order and benchmark
scenes) it pretrains the shift network (run ``shift``, or ``seed<k>/shift``), fine-tunes its CAM model
(``cam`` / ``seed<k>/cam``), and measures what the notebooks' self-checks measure: the held-out pretext
accuracy (notebook 03) and the pointing accuracy of the CAM and of motion energy on the distractor scenes
(notebook 04). Finished runs are loaded, not retrained. The study is written to
``figures/seeds/<profile>.json``; :func:`load` and :func:`table` read it for the notebooks.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import config, runtime
from .course import hub, outputs

#: per-seed figures, in the order of the tables
FIELDS: dict[str, str] = {
    "pretext_accuracy": "held-out pretext accuracy (03)",
    "pretrain_minutes": "pretraining minutes",
    "warmup_left_chance_step": "step at which training accuracy left chance",
    "pointing": "CAM pointing, distractor scenes (04)",
    "motion_pointing": "motion-energy pointing (04)",
    "pointing_margin": "CAM minus motion energy (04)",
    "cam_minutes": "CAM fine-tuning minutes",
}


def path(profile: str) -> Path:
    """``figures/seeds/<profile>.json``."""
    return outputs.figures_root() / "seeds" / f"{profile}.json"


def left_chance(history: Sequence[dict[str, Any]], level: float = 0.75) -> int | None:
    """The first logged step whose training accuracy reached ``level`` (None: never)."""
    for row in history:
        if row.get("acc") is not None and row["acc"] >= level:
            return int(row["step"])
    return None


def measure_seed(cfg: config.Profile, *, device=None) -> dict[str, Any]:
    """Train (or load) the ``shift`` and ``cam`` runs of ``cfg`` (its seed) and measure them as notebooks
    03 and 04 do. Returns one row of :data:`FIELDS` plus the runs' names (under ``runs/<profile>/``)."""
    from . import localization as loc
    from .localization import baselines, metrics
    from .shift import pretraining

    device = device or runtime.pick_device()
    t0 = time.perf_counter()
    pre = pretraining.pretrain(cfg, device=device)
    last = pre.history[-1] if pre.history else {}
    cam = loc.cam_model.finetune(cfg, pre.model.eval(), device=device)
    lcfg = loc.cam_model.profile(cfg)
    bench = loc.build(lcfg, "distractor")
    L, S = cfg.localization, lcfg.media.crop_size
    r = loc.cam_clips(cam.model.eval(), bench.frames, bench.audio, dense_levels=L.dense_levels,
                      batch_size=L.batch_size, device=device, mirror=True)
    gt = bench.gt_window()
    pointing = float(metrics.pointing(loc.to_frames(r, S).numpy(), gt).mean())
    motion = float(metrics.pointing(baselines.motion_energy(bench.frames), gt).mean())
    return {
        "seed": cfg.seed,
        "pretext_accuracy": float(last.get("eval_acc", math.nan)),
        "pretrain_minutes": (pre.run.train_seconds or math.nan) / 60,
        "warmup_left_chance_step": left_chance(pre.history),
        "pointing": pointing,
        "motion_pointing": motion,
        "pointing_margin": pointing - motion,
        "cam_minutes": (cam.run.train_seconds or math.nan) / 60,
        "cam_eval_acc": float((cam.history[-1] if cam.history else {}).get("eval_acc", math.nan)),
        "n_scenes": len(bench),
        "runs": {"shift": hub.run_name(pretraining.NAME, cfg), "cam": hub.run_name(loc.cam_model.NAME, cfg)},
        "wall_minutes": (time.perf_counter() - t0) / 60,
    }


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean, standard deviation (n - 1), min, max and a 95 % t-interval of the mean, per field."""
    from scipy import stats

    out: dict[str, dict[str, float]] = {}
    for key in FIELDS:
        vals = np.array([r[key] for r in rows if r.get(key) is not None], float)
        vals = vals[np.isfinite(vals)]
        if len(vals) == 0:
            continue
        sd = float(vals.std(ddof=1)) if len(vals) > 1 else math.nan
        half = float(stats.t.ppf(0.975, len(vals) - 1) * sd / math.sqrt(len(vals))) if len(vals) > 1 else math.nan
        out[key] = {"mean": float(vals.mean()), "std": sd, "min": float(vals.min()), "max": float(vals.max()),
                    "ci95_low": float(vals.mean() - half), "ci95_high": float(vals.mean() + half),
                    "n": int(len(vals))}
    return out


def load(profile: str) -> dict[str, Any] | None:
    """The recorded study of ``profile`` (None when it was never run)."""
    p = path(profile)
    return json.loads(p.read_text()) if p.exists() else None


def _fmt(key: str, v: float | None) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if key in ("pretext_accuracy", "pointing", "motion_pointing"):
        return f"{100 * v:.1f} %"
    if key == "pointing_margin":
        return f"{100 * v:+.1f} pts"
    if key.endswith("minutes"):
        return f"{v:.1f}"
    return f"{v:g}"


def table(study: dict[str, Any], keys: Sequence[str] | None = None) -> str:
    """A markdown table: one row per seed, then mean ± std and the range, for ``keys`` (default: all)."""
    keys = list(keys or FIELDS)
    rows = study["seeds"]
    head = "| seed | " + " | ".join(FIELDS[k] for k in keys) + " |"
    lines = [head, "|" + "---|" * (len(keys) + 1)]
    for r in rows:
        lines.append(f"| {r['seed']} | " + " | ".join(_fmt(k, r.get(k)) for k in keys) + " |")
    s = study["summary"]

    def agg(k: str) -> str:
        if k not in s:
            return "–"
        m = s[k]
        if k in ("pretext_accuracy", "pointing", "motion_pointing", "pointing_margin"):
            return f"{100 * m['mean']:.1f} ± {100 * m['std']:.1f}"
        return f"{m['mean']:.1f} ± {m['std']:.1f}"

    lines.append("| mean ± std | " + " | ".join(agg(k) for k in keys) + " |")
    lines.append("| min – max | " + " | ".join(
        f"{_fmt(k, s[k]['min'])} – {_fmt(k, s[k]['max'])}" if k in s else "–" for k in keys) + " |")
    return "\n".join(lines)


def run(profile: str, seeds: Sequence[int], *, out: Path | None = None) -> dict[str, Any]:
    """Measure every seed of ``profile`` (:func:`measure_seed`) and write the study (``out``, default
    :func:`path`)."""
    base = config.get(profile)
    rows = []
    for seed in seeds:
        print(f"--- seed {seed} ---", flush=True)
        rows.append(measure_seed(base.replace(seed=int(seed))))
        print(json.dumps({k: rows[-1][k] for k in ("seed", *FIELDS)}), flush=True)
    study = {"profile": profile, "seeds": rows, "summary": summarize(rows), "environment": runtime.environment()}
    target = Path(out) if out else path(profile)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(study, indent=1, sort_keys=True) + "\n")
    print(table(study))
    print(f"written to {target}")
    return study


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m avscene.seeds", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", default=None, help="default: figures/seeds/<profile>.json")
    args = parser.parse_args(argv)
    runtime.flush_denormals()
    run(args.profile, args.seeds, out=args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
