"""The README's table of notebooks and the packaged run times, generated so that no run time is typed.

``python -m avscene.course.readme`` rewrites two generated blocks of ``README.md``: the *Measured so
far* table (:func:`results_table`, between :data:`RESULTS_BEGIN` and :data:`RESULTS_END`; every number
from ``metrics.json`` and the seed studies) and the table of notebooks between :data:`BEGIN` and :data:`END`: one row per notebook of the series (:data:`SERIES`), linked (source and Colab) when
``notebooks/NN_*.py`` exists and marked *planned* otherwise, with the minutes of its last measured run
read from ``figures/<notebook>/metrics.json`` (:func:`avscene.course.outputs.run_time`). It also merges
those measurements into ``lib/avscene/course/run_times.json`` (:data:`avscene.course.outputs.RUN_TIMES`,
one entry per notebook and profile, kept when another profile is measured), which ships with the package,
so every notebook's "Run time" table knows the measured profiles even where ``figures/`` is not (Colab).
``--check`` only reports whether both are up to date (a unit test does the same). The Colab links follow
the badge of notebook 00, so ``make colab-links`` (which rewrites badges and README alike) keeps them in step.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from . import outputs, pipeline

README = pipeline.REPO / "README.md"
BEGIN = "<!-- notebooks:begin (generated: make readme) -->"
END = "<!-- notebooks:end -->"
RESULTS_BEGIN = "<!-- results:begin (generated: make readme) -->"
RESULTS_END = "<!-- results:end -->"

SERIES: tuple[tuple[str, str, str], ...] = (
    ("00", "tour: the course, how to run it, the profiles", "–"),
    ("01", "data and the shift task", "Owens & Efros §3.1"),
    ("02", "the early-fusion network", "§3.2"),
    ("03", "self-supervised pretraining", "§3.3"),
    ("04", "sound-source localization with CAM", "§4"),
    ("05", "action recognition: UCF-101 fine-tuning", "§5"),
    ("06", "on/off-screen source separation (L1, PIT)", "§6"),
    ("07", "Objects that Sound: AVE-Net and AVOL-Net", "Arandjelović & Zisserman 2018"),
    ("08", "mix-and-separate and co-segmentation", "Rouditchenko et al. 2019; Sound of Pixels"),
    ("09", "real video: the authors' weights, sync offsets, your own clip; results beside the papers'", "all"),
)
"""(number, what it covers, paper) of every notebook, written or planned, in order."""

_BADGE = re.compile(r"https://colab\.research\.google\.com/github/([^/\s]+/[^/\s]+)/blob/([^/\s]+)/notebooks/")


def colab_base(notebooks: Path = pipeline.NOTEBOOKS) -> str:
    """``https://colab.research.google.com/github/<owner>/<repo>/blob/<ref>/notebooks/`` from notebook 00's badge."""
    match = _BADGE.search(pipeline.sources(notebooks)[0].read_text())
    if not match:
        raise ValueError("notebook 00 has no Open-in-Colab badge")
    return match.group(0)


def _minutes(value: float | None) -> str:
    return "–" if value is None else outputs._minutes(value)


def table(notebooks: Path = pipeline.NOTEBOOKS, figures: Path | None = None) -> str:
    """The generated block, markers included."""
    written = {p.stem[:2]: p for p in pipeline.sources(notebooks)}
    numbers = [n for n, _, _ in SERIES] + sorted(set(written) - {n for n, _, _ in SERIES})
    about = {n: (what, paper) for n, what, paper in SERIES}
    base = colab_base(notebooks)
    rows = ["| # | notebook | paper | minutes with published weights | minutes from scratch | last measured |",
            "|---|---|---|---|---|---|"]
    unrecorded = False
    for number in numbers:
        what, paper = about.get(number, (written[number].stem[3:].replace("_", " ") if number in written else "", "–"))
        py = written.get(number)
        if py is None:
            rows.append(f"| {number} | {what} (**planned**) | {paper} | – | – | – |")
            continue
        link = (f"[{what}](notebooks/{py.name}) "
                f"([Colab]({base}{py.stem}.ipynb))")
        measured = outputs.run_time(py.stem, figures)
        if measured is None:
            rows.append(f"| {number} | {link} | {paper} | {outputs.NOT_MEASURED} | {outputs.NOT_MEASURED} | – |")
        elif measured["with_weights"] is None:
            unrecorded = True
            rows.append(f"| {number} | {link} | {paper} | {_minutes(measured['minutes'])}* | not recorded "
                        f"| `{measured['profile']}`, {measured['machine']} |")
        else:
            rows.append(f"| {number} | {link} | {paper} | {_minutes(measured['with_weights'])} "
                        f"| {_minutes(measured['from_scratch'])} | `{measured['profile']}`, {measured['machine']} |")
    notes = ["", ("Minutes: the wall time of each notebook's last measured run (`make figures`), read from "
                  "`figures/<notebook>/metrics.json`; \"from scratch\" adds the training of every named run the "
                  "notebook loaded instead of training it (a first run where nothing is published yet).")]
    if unrecorded:
        notes += ["", ("\\* That run predates the record of which runs a notebook trains and which it loads: its "
                       "wall time includes the training of the runs it trained, not of those it loaded, so a first "
                       "run can take longer. The next `make figures` fills both columns.")]
    return "\n".join([BEGIN, *rows, *notes, END])


def run_times_doc(notebooks: Path = pipeline.NOTEBOOKS, figures: Path | None = None,
                  snapshot: Path = outputs.RUN_TIMES) -> dict[str, dict[str, dict]]:
    """The snapshot ``snapshot`` holds, with each notebook's last measured run (its ``metrics.json``) merged in."""
    doc = json.loads(snapshot.read_text()) if snapshot.exists() else {}
    for py in pipeline.sources(notebooks):
        measured = outputs.run_time(py.stem, figures)
        if measured is not None:
            doc.setdefault(py.stem, {})[measured["profile"]] = measured
    return {nb: dict(sorted(doc[nb].items())) for nb in sorted(doc)}


def _dump(doc: dict) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def _metrics(notebook: str, figures: Path | None = None) -> dict | None:
    path = (figures or outputs.figures_root()) / notebook / "metrics.json"
    return json.loads(path.read_text())["metrics"] if path.exists() else None


def _study(notebook: str, root: Path) -> dict | None:
    """The seed study (``figures/seeds/<profile>.json``) of the profile ``notebook`` was last measured at."""
    profile = json.loads((root / notebook / "metrics.json").read_text())["profile"]
    path = root / "seeds" / f"{profile}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _spread(study: dict | None, key: str) -> str:
    """``mean ± std over n seeds (min – max)`` of a fraction in a seed study (``avscene.seeds``), or ``""``."""
    s = (study or {}).get("summary", {}).get(key)
    if not s:
        return ""
    return (f"; **over {s['n']} seeds, each from scratch: {100 * s['mean']:.1f} ± {100 * s['std']:.1f} %** "
            f"(min {_pct(s['min'])}, max {_pct(s['max'])})")


def results_table(figures: Path | None = None) -> str:
    """The generated *Measured so far* table (markers included): one row per measured notebook, every number
    read from its ``metrics.json`` and the seed study ``figures/seeds/<profile>.json``."""
    root = figures or outputs.figures_root()
    rows = ["| notebook | measured | paper | comparable? |", "|---|---|---|---|"]
    m = _metrics("01_data_and_shift_task", root)
    if m:
        rows.append(f"| 01 | decoded windows land on the generated ones: frame offset "
                    f"{m['decoded frame offset (frames)']:g}, audio lag {m['decoded audio lag (ms)']:g} ms; "
                    f"paper-size shifts {m['paper-size |shift| min (s)']:.2f}-{m['paper-size |shift| max (s)']:.2f} s "
                    "| 2.0-5.8 s | comparable: the same sampling rule at the paper's sizes |")
    m = _metrics("02_early_fusion_network", root)
    if m:
        rows.append(f"| 02 | `ShiftNet(64)`: {int(m['params_paper_size']):,} parameters, every shape as the original "
                    "| 36.04 M | comparable: the same network at the paper's width |")
    m = _metrics("03_pretraining", root)
    if m:
        study = _study("03_pretraining", root)
        controls = [m[k] for k in m if k.startswith("control ")]
        rows.append(f"| 03 | held-out shift accuracy {_pct(m['held-out accuracy'])} in this run (motion x sound "
                    f"baseline {_pct(m['baseline_accuracy'])}){_spread(study, 'pretext_accuracy')}; controls "
                    f"{100 * min(controls):.0f}-{100 * max(controls):.0f} %; sweep peak at "
                    f"{m['offset-sweep peak (frames)']:g} frames | 59.9 % on AudioSet | **not comparable**: "
                    "synthetic world, far easier than AudioSet |")
    m = _metrics("04_cam_localization", root)
    if m:
        study = _study("04_cam_localization", root)
        d = m["scores"]["distractor"]
        cm = m.get("cam_model", {})
        rows.append(f"| 04 | CAM model (shift net fine-tuned {cm.get('steps')} steps, {cm.get('cam_levels')} "
                    f"strides removed, {cm.get('crop_size')}-px crops): pointing {_pct(d['CAM |abs|']['pointing'])} "
                    f"in this run on scenes with a silent moving distractor (motion energy "
                    f"{_pct(d['motion energy']['pointing'])}, shift net's own CAM "
                    f"{_pct(d['shift-net CAM à trous']['pointing'])}, random {_pct(d['random']['pointing'])}); "
                    f"another scene's audio: {_pct(m['swapped_audio']['pointing'])}{_spread(study, 'pointing')} "
                    "| qualitative | **not comparable**: the paper reports no number; synthetic scenes with "
                    "ground-truth masks |")
    m = _metrics("05_action_recognition", root)
    if m:
        rows.append(f"| 05 | {m['labels_per_class']} labels per class, over {m['seeds']} seeds: shift-pretrained "
                    f"{_pct(m['acc_pretrained'])}, scratch {_pct(m['acc_scratch'])} "
                    f"({100 * m['gain_pretrained_over_scratch']:+.1f} points), random-video negatives "
                    f"{_pct(m['acc_random_negatives'])}, audio zeroed {_pct(m['acc_audio_zeroed'])}; in sync told "
                    f"from dubbed: pretrained {100 * m['sync_gain']:+.1f} points over scratch "
                    "| UCF-101: 82.1 %, scratch 14 points below, random negatives 78.7 % vs 84.2 % | **not comparable**: "
                    "a synthetic action set; every row's direction reproduces, the gain is smaller (the synthetic "
                    "pretext taught timing, not objects) |")
    m = _metrics("06_separation", root)
    if m:
        rows.append(f"| 06 | same-class mixtures, over {len(m['sisdri_full_same_seeds'])} seeds: SI-SDRi full video "
                    f"{m['sisdri_full_same']:+.1f} dB, single frame {m['sisdri_single_frame_same']:+.1f} dB (gap "
                    f"{m['gap_sisdri_same']:+.1f} dB, 95 % interval {m['gap_sisdri_same_low']:+.1f} to "
                    f"{m['gap_sisdri_same_high']:+.1f}); on/off right {_pct(m['assign_full_same'])} vs "
                    f"{_pct(m['assign_single_frame_same'])}; loss {m['l1_full']:.3f} vs {m['l1_single_frame']:.3f} "
                    f"(ratio {m['l1_single_frame'] / m['l1_full']:.2f}) | loss 11.4 full, 14.8 single frame (ratio "
                    "1.30), 12.3 I3D | **not comparable**: the paper's loss in its own units on VoxCeleb2; the direction "
                    "and the same-class effect reproduce |")
    m = _metrics("07_objects_that_sound", root)
    if m:
        rows.append(f"| 07 | over {len(m['avc_acc_ave_seeds'])} seeds: AVC accuracy L³-Net {_pct(m['avc_acc_l3'])}, "
                    f"AVE-Net {_pct(m['avc_acc_ave'])}, AVOL-Net {_pct(m['avc_acc_avol'])}; AVE-Net nDCG@30 "
                    f"image→audio {m['ndcg30_im_aud_ave']:.2f}, audio→image {m['ndcg30_aud_im_ave']:.2f} (random "
                    f"{m['random_ndcg30_aud_im']:.2f}); AVOL-Net pointing {_pct(m['pointing_avol_distractor'])} on "
                    f"other-class distractors, {_pct(m['pointing_avol_same_class'])} on same-class ones (CAM "
                    f"{_pct(m['pointing_cam_same_class'])}); shortcut AVE-Net {_pct(m['shortcut_avc_acc'])} on its "
                    f"pairs, {_pct(m['shortcut_honest_avc_acc'])} honest | AVC around 80 % for all three (the reference "
                    "notes' reading; exact values to verify); AVE-Net retrieves across modalities; AVOL-Net localizes "
                    "(shown, not scored) | **not comparable**: six "
                    "synthetic classes against AudioSet-Instruments' many; retrieval and the shortcut reproduce, "
                    "L³-Net is not behind on AVC here, localization is scored here |")
    m = _metrics("08_coseg", root)
    if m:
        ordering = "reproduces" if m["sdr_sop"] > m["sdr_nmf"] else "does not reproduce (NMF ahead)"
        rows.append(f"| 08 | over {len(m['sdr_sop_seeds'])} seeds, held-out 2-source mixtures: SDR Sound of Pixels "
                    f"{m['sdr_sop']:+.2f} dB (NSDR {m['nsdr_sop']:+.2f}), NMF told the classes {m['sdr_nmf']:+.2f}, "
                    f"ideal binary mask {m['sdr_ibm']:+.2f}, the audio net given the classes (control) "
                    f"{m.get('sdr_oracle', float('nan')):+.2f}; co-segmentation without frames "
                    f"{m['sdr_coseg_no_frames']:+.2f} dB; categories with a channel of their own "
                    f"{m['channels_assigned_distinct_sop']:.1f} before the softmax switch, "
                    f"{m['channels_assigned_distinct']:.1f} after; IoU {m['iou_sop']:.3f} / {m['iou_coseg']:.3f}; "
                    f"pointing {_pct(m['pointing_sop_distractor'])} / {_pct(m['pointing_coseg_distractor'])} "
                    "| SDR 7.52 dB against NMF 2.78 on MUSIC; co-segmentation's channels segment instruments | "
                    f"**not comparable**: six synthetic classes with steady spectra; the SoP-over-NMF ordering "
                    f"{ordering} |")
    return "\n".join([RESULTS_BEGIN, *rows, RESULTS_END])


def render(text: str, block: str) -> str:
    """``text`` with the generated block whose markers ``block`` starts and ends with replaced by ``block``."""
    begin, end = block.splitlines()[0], block.splitlines()[-1]
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"README has no {begin} ... {end} block")
    return text[:start] + block + text[stop + len(end):]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m avscene.course.readme", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md is out of date")
    args = parser.parse_args(argv)
    stale = 0
    text = README.read_text()
    for path, old, new in ((README, text, render(render(text, table()), results_table())),
                           (outputs.RUN_TIMES, outputs.RUN_TIMES.read_text() if outputs.RUN_TIMES.exists() else "",
                            _dump(run_times_doc()))):
        if new == old:
            print(f"{path.name} is up to date")
        elif args.check:
            stale += 1
            print(f"{path.name} is out of date: run `make readme`")
        else:
            path.write_text(new)
            print(f"wrote {path.name}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
