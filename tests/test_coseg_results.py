"""avscene.coseg.results on hand-built per-seed results: every ``metrics.json`` key of the notebook with the
right means over seeds (plain floats), the same- / other-class SDR split over the scored mixtures, and the
separation table with the paper's numbers."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from avscene.coseg import results
from avscene.coseg.evaluate import BssScores
from avscene.coseg.experiment import SeedResult
from avscene.localization.metrics import Scores

KINDS = ("distractor", "same_class")
SAME = np.array([False, True, False, True])  # all four held-out mixtures
SCENE_CLASSES = np.array([[0, 1], [1, 2]])  # two duet scenes: ball + bar, bar + talker


def _bss(sdr, kept=None) -> BssScores:
    sdr = np.asarray(sdr, dtype=np.float64)
    kept = np.ones(len(sdr), bool) if kept is None else np.asarray(kept, bool)
    assert kept.sum() == len(sdr)
    # known offsets: SIR = SDR + 10, SAR = SDR + 5, SDR of the mixture 1 dB, so NSDR = SDR - 1
    return BssScores(sdr, sdr + 10, sdr + 5, np.ones_like(sdr), sdr - 1, int((~kept).sum()), kept)


def _loc(pointing: float) -> Scores:
    return Scores(pointing=pointing, ciou=0.1, ciou_at_05=0.0, auc=0.2, ciou_median=0.1, n=2)


def _seed(seed: int, sop_sdr, sop_kept, coseg_sdr, iou_sop, iou_coseg, argmax_coseg, pointing) -> SeedResult:
    bss = {"sop": _bss(sop_sdr, sop_kept), "coseg": _bss(coseg_sdr), "coseg_no_frames": _bss([0.5, 1.5, 2.5, 3.5])}
    assign = {"sop": {"argmax": np.zeros(6, np.int64), "hungarian": np.arange(6)},
              "coseg": {"argmax": np.asarray(argmax_coseg), "hungarian": np.arange(6)}}
    return SeedResult(
        seed=seed, bss=bss,
        matrix={"sop": np.zeros((8, 6)), "coseg": np.eye(8, 6)},
        assignment=assign,
        iou={"sop": np.asarray(iou_sop, float), "coseg": np.asarray(iou_coseg, float)},
        localization={"sop": {k: _loc(pointing[0]) for k in KINDS},
                      "coseg": {"distractor": _loc(pointing[1]), "same_class": _loc(0.5)}},
        choice={"sop": {k: 0.25 + 0.5 * seed for k in KINDS}, "coseg": {k: 0.5 for k in KINDS}},
    )


@pytest.fixture
def seeds() -> list[SeedResult]:
    return [
        # seed 0: mixture 2 skipped for sop; scored SDRs 2, 4, 6 on mixtures 0, 1, 3
        _seed(0, [2.0, 4.0, 6.0], [True, True, False, True], [3.0, 3.0, 3.0, 3.0],
              [[1.0, 0.0], [0.5, 0.5]], [[1.0, 0.5], [0.25, 0.25]], [0, 1, 2, 2, 3, 4], (0.6, 0.7)),
        # seed 1: all scored
        _seed(1, [1.0, 2.0, 3.0, 6.0], None, [5.0, 5.0, 5.0, 5.0],
              [[1.0, 1.0], [0.0, 0.0]], [[0.5, 0.5], [0.5, 0.5]], [0, 1, 2, 3, 4, 5], (0.8, 0.9)),
    ]


@pytest.fixture
def refs() -> dict[str, BssScores]:
    return {"nmf": _bss([1.0, 2.0, 3.0, 4.0]), "ibm": _bss([20.0, 22.0, 30.0], [True, True, True, False])}


ISSUE_KEYS = ("sdr_sop", "sir_sop", "sar_sop", "nsdr_sop", "sdr_nmf", "sdr_ibm", "sdr_coseg_no_frames", "iou_sop",
              "iou_coseg", "iou_per_class_coseg", "channels_assigned_distinct", "pointing_sop_distractor",
              "pointing_coseg_distractor")


def test_split_sdr_uses_the_kept_mask() -> None:
    s = _bss([2.0, 4.0, 6.0], [True, True, False, True])  # mixtures 0, 1, 3 scored: same = F, T, T
    assert results.split_sdr(s, SAME) == {"same": 5.0, "different": 2.0}
    assert results.split_sdr(_bss([1.0, 2.0, 3.0, 6.0]), SAME) == {"same": 4.0, "different": 2.0}
    # an empty split is NaN
    only_same = results.split_sdr(_bss([4.0, 6.0], [False, True, False, True]), SAME)
    assert only_same["same"] == 5.0 and math.isnan(only_same["different"])
    assert math.isnan(results.split_sdr(_bss([1.0, 2.0]), [False, False])["same"])


def test_metrics_has_every_issue_key_with_the_right_means(seeds, refs) -> None:
    m = results.metrics(seeds, refs, SAME, SCENE_CLASSES, KINDS)
    for key in ISSUE_KEYS:
        assert key in m, key
        if key != "iou_per_class_coseg":
            assert type(m[key]) is float, (key, type(m[key]))
    # SDR of Sound of Pixels: seed means 4 and 3 (mixture 2 of seed 0 skipped)
    assert m["sdr_sop"] == pytest.approx(3.5)
    assert m["sdr_sop_std"] == pytest.approx(np.std([4.0, 3.0], ddof=1))
    assert m["sdr_sop_seeds"] == pytest.approx([4.0, 3.0])
    assert m["sir_sop"] == pytest.approx(13.5) and m["sar_sop"] == pytest.approx(8.5)
    assert m["nsdr_sop"] == pytest.approx(2.5)
    assert m["sdr_coseg"] == pytest.approx(4.0)
    assert m["sdr_coseg_no_frames"] == pytest.approx(2.0) and m["sdr_coseg_no_frames_std"] == 0.0
    # reference rows: one value each
    assert m["sdr_nmf"] == pytest.approx(2.5) and m["sir_nmf"] == pytest.approx(12.5)
    assert m["sdr_ibm"] == pytest.approx(24.0)
    assert m["sdr_sop_minus_nmf"] == pytest.approx(1.0)
    # split by class: seed 0 same (4 + 6) / 2 = 5, other 2; seed 1 same (2 + 6) / 2 = 4, other (1 + 3) / 2 = 2
    assert m["sdr_sop_same_class"] == pytest.approx(4.5) and m["sdr_sop_different_class"] == pytest.approx(2.0)
    assert m["sdr_nmf_same_class"] == pytest.approx(3.0) and m["sdr_nmf_different_class"] == pytest.approx(2.0)
    # segmentation
    assert m["iou_sop"] == pytest.approx(0.5) and m["iou_coseg"] == pytest.approx(0.5)
    assert m["iou_coseg_seeds"] == pytest.approx([0.5, 0.5]) and m["iou_coseg_std"] == 0.0
    per = m["iou_per_class_coseg"]
    assert set(per) == {"ball", "bar", "talker"} and all(type(v) is float for v in per.values())
    assert per["ball"] == pytest.approx(0.75)  # seed 0: 1.0; seed 1: 0.5
    assert per["bar"] == pytest.approx(0.4375)  # seed 0: (0.5 + 0.25) / 2; seed 1: 0.5
    assert per["talker"] == pytest.approx(0.375)  # seed 0: 0.25; seed 1: 0.5
    assert m["iou_per_class_sop"]["ball"] == pytest.approx(1.0)
    # channels: coseg argmax gives 4 then 6 distinct categories; sop puts every category on channel 0
    assert m["channels_assigned_distinct_coseg_seeds"] == [4, 6]
    assert m["channels_assigned_distinct"] == pytest.approx(5.0)
    assert m["channels_assigned_distinct_sop"] == 0.0
    # localization
    assert m["pointing_sop_distractor"] == pytest.approx(0.7)
    assert m["pointing_coseg_distractor"] == pytest.approx(0.8)
    assert m["pointing_coseg_same_class"] == pytest.approx(0.5)
    assert m["pointing_sop_distractor_seeds"] == pytest.approx([0.6, 0.8])
    assert m["choice_sop_distractor"] == pytest.approx(0.5)
    # every value is JSON (no NumPy scalars or arrays)
    json.dumps(m)


def test_separation_rows_and_markdown(seeds, refs) -> None:
    rows = results.separation_rows(seeds, refs, SAME)
    assert [r["method"] for r in rows] == ["sop", "coseg", "coseg_no_frames", "nmf", "ibm"]
    by = {r["method"]: r for r in rows}
    assert by["sop"]["seeds"] == 2 and by["nmf"]["seeds"] == 1
    assert by["sop"]["skipped"] == 1 and by["ibm"]["skipped"] == 1 and by["coseg"]["skipped"] == 0
    assert by["sop"]["paper"] == results.PAPER["sop"] and by["coseg"]["paper"] is None
    table = results.markdown(rows)
    lines = table.splitlines()
    assert len(lines) == 2 + len(rows)
    assert lines[0].startswith("| method | SDR |")
    body = dict(zip([r["method"] for r in rows], lines[2:]))
    for name, line in body.items():
        assert line.startswith(f"| {results.LABELS[name]} |")
    assert "7.52 / 13.01 / 11.53" in body["sop"] and "2.78 / 6.70 / 9.21" in body["nmf"]
    assert "3.50 ± 0.71" in body["sop"]  # SDR mean ± std over seeds
    assert body["ibm"].endswith("| – |") and body["coseg"].endswith("| – |")  # no published number


def test_localization_rows_and_channels(seeds) -> None:
    loc = results.localization_rows(seeds, KINDS)
    assert set(loc) == {"sop", "coseg"}
    mean, std, per = loc["coseg"]["distractor"]
    assert (mean, per) == (pytest.approx(0.8), [0.7, 0.9]) and std == pytest.approx(np.std([0.7, 0.9], ddof=1))
    assert loc["sop"]["choice_distractor"][2] == [0.25, 0.75]
    assert results.channels_distinct(seeds, "coseg") == [4, 6]
    assert results.channels_distinct(seeds, "coseg", "hungarian") == [6, 6]
