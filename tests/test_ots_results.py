"""avscene.ots.results: notebook 07's tables over seeds, their markdown and the metrics.json keys the issue names,
on hand-made inputs (and once on the smoke runs)."""
from __future__ import annotations

import numpy as np
import pytest
from avscene import config
from avscene.localization.metrics import Scores
from avscene.ots import localize as LZ
from avscene.ots import results as RS

SMOKE = config.get("smoke")
DIRS = ("im2im", "im2aud", "aud2im", "aud2aud")

pytestmark = pytest.mark.usefixtures("one_thread")


def _table(base: float) -> dict[str, dict[str, float]]:
    return {d: {"ndcg30": base + 0.01 * i, "recall1": base / 2, "recall5": base, "recall10": base}
            for i, d in enumerate(DIRS)}


def _scores(pointing: float, ciou: float = 0.3) -> Scores:
    return Scores(pointing=pointing, ciou=ciou, ciou_at_05=0.1, auc=0.2, ciou_median=0.1, n=10)


def _inputs():
    acc = {"ave": [0.9, 0.8, 0.85], "avol": [0.7, 0.8, 0.9], "l3": [0.95, 0.9, 0.85], "ave_shortcut": [0.5, 0.52, 0.48],
           "ave_shortcut on shortcut pairs": [0.99, 1.0, 0.98]}
    tables = {"ave": [_table(0.8), _table(0.9), _table(0.85)], "avol": [_table(0.6)] * 3, "l3": [_table(0.3)] * 3,
              "ave_shortcut": [_table(0.31), _table(0.32), _table(0.33)]}
    random = {d: {"ndcg30": 0.3, "recall1": 0.2, "recall5": 0.5, "recall10": 0.7} for d in DIRS}
    loc = {}
    for k, (d, s) in enumerate([(0.7, 0.3), (0.8, 0.2), (0.75, 0.25)]):
        loc[LZ.avol_name(k)] = {"distractor": _scores(d), "same_class": _scores(s)}
        loc[LZ.avol_name(k, one_view=True)] = {"distractor": _scores(d - 0.2), "same_class": _scores(s - 0.1)}
    loc[LZ.CAM] = {"distractor": _scores(0.98), "same_class": _scores(0.9)}
    for name, v in (("motion energy", 0.5), ("centre prior", 0.1), ("random", 0.05)):
        loc[name] = {"distractor": _scores(v), "same_class": _scores(v)}
    return acc, tables, random, loc


def _choices(loc) -> dict[str, dict[str, float]]:
    return {name: {k: min(1.0, s.pointing + 0.2) for k, s in per.items()} for name, per in loc.items()}


def test_metrics_hold_every_key_the_issue_names_as_means_over_seeds() -> None:
    acc, tables, random, loc = _inputs()
    m = RS.metrics(acc, tables, random, loc)
    named = ["avc_acc_l3", "avc_acc_ave", "avc_acc_avol", "ndcg30_im_im_ave", "ndcg30_im_aud_ave", "ndcg30_aud_im_ave",
             "ndcg30_aud_aud_ave", "recall1_aud_im_ave", "shortcut_avc_acc", "shortcut_ndcg30_aud_im"]
    named += [f"pointing_{a}_{k}" for a in ("avol", "cam", "motion") for k in ("distractor", "same_class")]
    for key in named:
        assert isinstance(m[key], float) and 0 <= m[key] <= 1, key
    assert m["avc_acc_ave"] == pytest.approx(0.85) and m["avc_acc_ave_seeds"] == [0.9, 0.8, 0.85]
    assert m["avc_acc_ave_std"] == pytest.approx(np.std([0.9, 0.8, 0.85], ddof=1))
    assert m["ndcg30_im_aud_ave"] == pytest.approx(np.mean([0.81, 0.91, 0.86]))
    assert m["recall1_aud_im_ave"] == pytest.approx(np.mean([0.4, 0.45, 0.425]))
    assert m["shortcut_avc_acc"] == pytest.approx(0.99) and m["shortcut_honest_avc_acc"] == pytest.approx(0.5)
    assert m["shortcut_ndcg30_aud_im"] == pytest.approx(np.mean([0.33, 0.34, 0.35]))
    assert m["pointing_avol_distractor"] == pytest.approx(0.75) and m["pointing_avol_distractor_seeds"] == [0.7, 0.8, 0.75]
    assert m["pointing_avol_one_view_distractor"] == pytest.approx(0.55)
    assert m["pointing_cam_same_class"] == 0.9 and m["pointing_motion_distractor"] == 0.5
    assert m["random_ndcg30_aud_im"] == 0.3
    assert not any(k.startswith("choice_") for k in m)
    c = RS.metrics(acc, tables, random, loc, _choices(loc))
    assert c["choice_avol_distractor"] == pytest.approx(0.95)
    assert c["choice_avol_distractor_seeds"] == pytest.approx([0.9, 1.0, 0.95])
    assert c["choice_cam_same_class"] == pytest.approx(1.0) and c["choice_motion_distractor"] == pytest.approx(0.7)


def test_pointing_over_seeds_and_for_one_map() -> None:
    _, _, _, loc = _inputs()
    assert RS.pointing(loc, LZ.AVOL, "same_class") == [0.3, 0.2, 0.25]
    assert RS.pointing(loc, f"{LZ.AVOL} one view", "distractor") == pytest.approx([0.5, 0.6, 0.55])
    assert RS.pointing(loc, "motion energy", "distractor") == [0.5]
    with pytest.raises(KeyError):
        RS.pointing({LZ.CAM: loc[LZ.CAM]}, LZ.AVOL, "distractor")


def test_markdown_tables() -> None:
    acc, tables, random, loc = _inputs()
    avc = RS.markdown_avc(acc)
    assert "| AVE-Net | 85.0 ± 5.0 | 90.0 / 80.0 / 85.0 |" in avc
    assert avc.splitlines()[-2].startswith("| AVE-Net (shortcut), on honest pairs | 50.0 ± 2.0 |")
    assert avc.splitlines()[-1].startswith("| AVE-Net (shortcut), on its shortcut pairs | 99.0 ± 1.0 |")
    ret = RS.markdown_retrieval(tables, random).splitlines()
    l3 = next(r for r in ret if r.startswith("| L³-Net"))
    assert l3.count("not comparable") == 2 and "(0.310 ± 0.000: not comparable)" in l3  # image->audio, audio->image
    assert ret[-1] == "| random embeddings | 0.300 | 0.300 | 0.300 | 0.300 |"
    pts = RS.markdown_pointing(loc)
    assert "| AVOL-Net (four mirrored views) | 75.0 ± 5.0 |" in pts and "| random | 5.0 | 30.0 | 5.0 | 30.0 |" in pts
    both = RS.markdown_pointing(loc, choices=_choices(loc))
    assert "sounding > silent distractor (%)" in both and "| random | 5.0 | 30.0 | 25.0 | 5.0 | 30.0 | 25.0 |" in both


def test_on_the_smoke_runs(runs) -> None:
    acc = RS.avc(SMOKE, ("ave", "ave_shortcut"))
    assert set(acc) == {"ave", "ave_shortcut", "ave_shortcut on shortcut pairs"}
    assert all(len(v) == SMOKE.ots.seeds and all(0 <= x <= 1 for x in v) for v in acc.values())
    tables = RS.retrieval(SMOKE, ("ave",))
    assert len(tables["ave"]) == SMOKE.ots.seeds and set(tables["ave"][0]) == set(DIRS)
    assert set(RS.chance(SMOKE)) == set(DIRS)
