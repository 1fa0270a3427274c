"""The dataset scripts run end to end against local fake archives / CSVs and a fake downloader."""
from __future__ import annotations

import csv
import importlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from avscene.io import probe, write_av
from media_factory import make_flash_tone

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "data_scripts"))
audioset = importlib.import_module("audioset")
kinetics_sounds = importlib.import_module("kinetics_sounds")
ucf101 = importlib.import_module("ucf101")
voxceleb2 = importlib.import_module("voxceleb2")


class FakeDownloader:
    """Serves ``files`` (url -> local path) by copying, YouTube ids by generating a 3-s video; ids with
    "gone" fail like a removed video. Records every call."""

    def __init__(self, files: dict[str, Path] | None = None, tmp: Path | None = None) -> None:
        self.files, self.calls, self.tmp = files or {}, [], tmp

    def __call__(self, url: str, out: Path) -> None:
        self.calls.append(url)
        if url in self.files:
            shutil.copy(self.files[url], out)
        elif "youtube.com/watch?v=" in url:
            if "gone" in url:
                raise RuntimeError("Video unavailable")
            make_flash_tone(out, duration=3.0, fps=25, sample_rate=16000, size=(36, 48))
        else:
            raise RuntimeError(f"404 {url}")


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_audioset_fetch_resume_and_failures(tmp_path):
    seg = tmp_path / "segments.csv"
    seg.write_text('# Segments csv created Sun Mar  5 10:54:31 2017\n'
                   '# num_ytids=4, num_segs=4, num_unique_labels=3, num_positive_labels=5\n'
                   '# YTID, start_seconds, end_seconds, positive_labels\n'
                   'dogA_______, 0.500, 2.500, "/m/0bt9lr,/m/09x0r"\n'
                   'gone_______, 0.000, 2.000, "/m/0bt9lr"\n'
                   'catB_______, 0.000, 2.000, "/m/01yrx"\n'
                   'dogC_______, 1.000, 2.000, "/m/0bt9lr"\n')
    labels = tmp_path / "labels.csv"
    labels.write_text('index,mid,display_name\n0,/m/09x0r,Speech\n1,/m/0bt9lr,Dog\n2,/m/01yrx,Cat\n')
    out = tmp_path / "as"
    fake = FakeDownloader()
    argv = ["--segments", str(seg), "--labels", str(labels), "--classes", "Dog", "--out", str(out),
            "--workers", "2", "--min-duration", "0.5"]
    assert audioset.main(argv, downloader=fake) == 1  # one video is gone
    manifest = {r["ytid"]: r for r in _rows(out / "manifest.csv")}
    assert sorted(manifest) == ["dogA_______", "dogC_______"]
    assert manifest["dogA_______"]["labels"] == "/m/0bt9lr;/m/09x0r"
    clip = out / manifest["dogA_______"]["path"]
    assert probe(clip).av_duration == pytest.approx(2.0, abs=0.1)
    assert "gone_______" in (out / "failures.log").read_text()
    assert (out / "manifest.skipped.csv").is_file()  # the scan ran on the manifest
    mtime = clip.stat().st_mtime_ns
    calls = len(fake.calls)
    assert audioset.main(argv + ["--max-videos", "1"], downloader=fake) == 0
    assert len(fake.calls) == calls and clip.stat().st_mtime_ns == mtime  # good file kept, not refetched
    assert audioset.main(argv[:4] + ["--classes", "Unicorn", "--out", str(out)], downloader=fake) == 2


def test_audioset_cli_with_downloader_command(tmp_path):
    fake = tmp_path / "fake_dl.py"
    fake.write_text("import sys, numpy as np\nfrom avscene.io import write_av\n"
                    "f = np.zeros((50, 32, 32, 3), np.uint8); a = np.zeros((2, 32000), np.float32)\n"
                    "write_av(sys.argv[2], f, a, 25, 16000)\n")
    seg = tmp_path / "s.csv"
    seg.write_text("# YTID, start_seconds, end_seconds, positive_labels\nabc, 0.0, 1.5, \"/m/x\"\n")
    out = tmp_path / "o"
    done = subprocess.run([sys.executable, str(ROOT / "data_scripts" / "audioset.py"), "--segments", str(seg),
                           "--out", str(out), "--downloader", f"{sys.executable} {fake} {{url}} {{out}}",
                           "--workers", "1", "--min-duration", "1.0"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert probe(out / "videos" / "abc_0.mp4").av_duration == pytest.approx(1.5, abs=0.1)


def test_kinetics_sounds_keeps_only_its_classes(tmp_path):
    k = tmp_path / "train.csv"
    k.write_text("label,youtube_id,time_start,time_end,split,is_cc\n"
                 "playing bagpipes,bagA,0,2,train,0\nabseiling,absB,0,2,train,0\n"
                 "ripping paper,ripC,1,3,train,0\n")
    out = tmp_path / "ks"
    fake = FakeDownloader()
    assert kinetics_sounds.main(["--csv", str(k), "--out", str(out), "--workers", "2",
                                 "--min-duration", "1"], downloader=fake) == 0
    rows = _rows(out / "manifest.csv")
    assert sorted(r["label"] for r in rows) == ["playing bagpipes", "ripping paper"]
    assert all("absB" not in c for c in fake.calls)
    assert all(probe(out / r["path"]).has_audio for r in rows)


def _ucf_fixtures(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src"
    for cls, name, audio in [("ApplyEyeMakeup", "v_ApplyEyeMakeup_g01_c01.avi", True),
                             ("ApplyEyeMakeup", "v_ApplyEyeMakeup_g08_c01.avi", True),
                             ("HandstandPushups", "v_HandStandPushups_g01_c01.avi", False)]:
        (src / "UCF-101" / cls).mkdir(parents=True, exist_ok=True)
        path = src / "UCF-101" / cls / name
        if audio:
            make_flash_tone(path, kind="avi", duration=1.5, size=(32, 40))
        else:
            write_av(path, np.full((38, 32, 40, 3), 90, np.uint8), None, 25, 16000, video_codec="mjpeg")
    videos = tmp_path / "UCF101.rar"  # content sniffing: a zip named like the official RAR
    with zipfile.ZipFile(videos, "w") as zf:
        for p in (src / "UCF-101").rglob("*.avi"):
            zf.write(p, p.relative_to(src))
    splits = tmp_path / "UCF101TrainTestSplits-RecognitionTask.zip"
    lists = {"classInd.txt": "1 ApplyEyeMakeup\n2 HandstandPushups\n"}
    for k in (1, 2, 3):
        test_g = "g08" if k == 1 else "g01"
        train_g = "g01" if k == 1 else "g08"
        lists[f"trainlist0{k}.txt"] = (f"ApplyEyeMakeup/v_ApplyEyeMakeup_{train_g}_c01.avi 1\n"
                                       "HandstandPushups/v_HandStandPushups_g01_c01.avi 2\n")
        lists[f"testlist0{k}.txt"] = f"ApplyEyeMakeup/v_ApplyEyeMakeup_{test_g}_c01.avi\n"
    with zipfile.ZipFile(splits, "w") as zf:
        for name, text in lists.items():
            zf.writestr(f"ucfTrainTestlist/{name}", text)
    return videos, splits


def test_ucf101_download_extract_index(tmp_path, capsys):
    videos, splits = _ucf_fixtures(tmp_path)
    fake = FakeDownloader({ucf101.VIDEOS_URL: videos, ucf101.SPLITS_URL: splits})
    out = tmp_path / "ucf"
    assert ucf101.main(["--out", str(out), "--workers", "1"], downloader=fake) == 0
    rows = {Path(r["path"]).name: r for r in _rows(out / "ucf101.csv")}
    assert rows["v_ApplyEyeMakeup_g08_c01.avi"]["split1"] == "test"
    assert rows["v_ApplyEyeMakeup_g08_c01.avi"]["split2"] == "train"
    assert rows["v_HandStandPushups_g01_c01.avi"]["label"] == "HandstandPushups"
    assert rows["v_HandStandPushups_g01_c01.avi"]["label_index"] == "1"
    assert "3 usable videos, 2 with an audio track" in capsys.readouterr().out
    assert ucf101.main(["--out", str(out), "--workers", "1"], downloader=fake) == 0
    assert len(fake.calls) == 2  # resumed: nothing downloaded again
    bad = tmp_path / "sums.md5"
    bad.write_text(f"{'0' * 32}  UCF101.rar\n")
    assert ucf101.main(["--out", str(out), "--checksums", str(bad)], downloader=fake) == 1
    assert "MD5 mismatch" in (out / "failures.log").read_text()


def _vox_zip(path: Path, tmp: Path, identities: list[str], top: str) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for ident in identities:
            clip = make_flash_tone(tmp / f"{ident}.mp4", duration=2.5, size=(32, 32)).path
            zf.write(clip, f"{top}/{ident}/vidXYZ/00001.mp4")


def test_voxceleb2_parts_and_identity_disjoint_lists(tmp_path):
    dev = tmp_path / "dev.zip"
    _vox_zip(dev, tmp_path, ["id00012", "id00015"], "dev/mp4")
    data = dev.read_bytes()
    (tmp_path / "vox2_dev_mp4_partaa").write_bytes(data[: len(data) // 2])
    (tmp_path / "vox2_dev_mp4_partab").write_bytes(data[len(data) // 2:])
    _vox_zip(tmp_path / "vox2_test_mp4.zip", tmp_path, ["id00017"], "mp4")
    out = tmp_path / "vox"
    argv = ["--out", str(out), "--workers", "1", "--archives", str(tmp_path / "vox2_dev_mp4_partaa"),
            str(tmp_path / "vox2_dev_mp4_partab"), str(tmp_path / "vox2_test_mp4.zip")]
    assert voxceleb2.main(argv) == 0
    train, test = _rows(out / "train.csv"), _rows(out / "test.csv")
    assert sorted(r["identity"] for r in train) == ["id00012", "id00015"]
    assert [r["identity"] for r in test] == ["id00017"]
    assert all(probe(out / r["path"]).has_audio for r in train + test)
    # one set only: identities split by hash, still disjoint
    out2 = tmp_path / "vox_one"
    assert voxceleb2.main(["--out", str(out2), "--archives", str(dev), "--test-fraction", "0.5",
                           "--no-scan"]) == 0
    ids = [{r["identity"] for r in _rows(out2 / f"{n}.csv")} for n in ("train", "test")]
    assert not ids[0] & ids[1] and ids[0] | ids[1] == {"id00012", "id00015"}
    assert voxceleb2.main(["--out", str(out2)]) == 2


@pytest.mark.parametrize("script", ["ucf101", "audioset", "voxceleb2", "kinetics_sounds"])
def test_help(script):
    done = subprocess.run([sys.executable, str(ROOT / "data_scripts" / f"{script}.py"), "--help"],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "--out" in done.stdout
    if script == "ucf101":
        assert "half" in done.stdout and "audio" in done.stdout
