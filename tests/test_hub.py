"""Named runs and published weights (avscene.course.hub): notebooks load, fetch or train, never silently retrain.

Only a local HTTP server on 127.0.0.1 and temporary folders: no outside network.
"""
from __future__ import annotations

import http.server
import json
import shutil
import socket
import tarfile
import threading
import tomllib
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
import torch
from torch import nn

from avscene import config
from avscene.course import hub

SMOKE = config.get("smoke")
KEY = hub.settings_key({"run": "shift", "steps": 4})
OTHER_KEY = hub.settings_key({"run": "shift", "steps": 5})


def tiny(seed: int = 0, width: int = 4) -> nn.Module:
    """A Linear and a BatchNorm with seeded weights and non-default running statistics."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, width), nn.BatchNorm1d(width))
    with torch.no_grad():
        model[1].weight.uniform_(0.5, 1.5)
        model[1].running_mean.normal_()
        model[1].running_var.uniform_(0.5, 2.0)
        model[1].num_batches_tracked += 7
    return model


def same_state(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


def unchanged(model: nn.Module, before: dict[str, torch.Tensor]) -> bool:
    return all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def train_run(name: str, key: str = KEY, seed: int = 0, seconds: float = 90.0) -> nn.Module:
    """What the training code does: start, the Trainer's checkpoint and log, finish."""
    run_dir = hub.runs_root(SMOKE) / name
    assert hub.start(run_dir, name=name, profile="smoke", key=key, settings={"seed": seed}) is False
    model = tiny(seed)
    torch.save({"model": model.state_dict()}, run_dir / "step_00000004.pt")
    history = [{"step": 2, "loss": 1.5}, {"step": 4, "loss": 1.0}]
    (run_dir / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in history))
    hub.finish(run_dir, model, history=history, train_seconds=seconds)
    return model


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(hub.RUNS_ENV_VAR, str(tmp_path / "runs"))
    monkeypatch.setenv(hub.CACHE_ENV, str(tmp_path / "cache"))
    for var in (hub.WEIGHTS_URL_ENV, hub.WEIGHTS_MANIFEST_ENV):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return tmp_path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SimpleNamespace]:
    """A static HTTP server on 127.0.0.1 serving ``served/``, recording every request path."""
    root = tmp_path / "served"
    root.mkdir()
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self) -> None:
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(root=root, url=f"http://127.0.0.1:{httpd.server_port}", requests=requests)
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def published(tmp_path: Path, server: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Runs shift and cam packed into the served folder; the manifest points at the server; no local runs."""
    models = {"shift": train_run("shift", seed=1), "cam": train_run("cam", seed=2)}
    manifest = hub.pack("smoke", server.root, base_url=server.url)
    monkeypatch.setenv(hub.WEIGHTS_MANIFEST_ENV, str(manifest))
    monkeypatch.setenv(hub.RUNS_ENV_VAR, str(tmp_path / "fresh-runs"))
    return SimpleNamespace(models=models, manifest=manifest, server=server,
                           archive=server.root / "avscene-weights-smoke.tar")


def rewrite_manifest(path: Path, **changes) -> None:
    doc = json.loads(path.read_text())
    doc["archives"]["smoke"].update(changes)
    path.write_text(json.dumps(doc))


def no_partial_files(cache: Path) -> bool:
    return not list(cache.rglob("*.part")) and not list(cache.rglob("*.tar"))


# ---------------------------------------------------------------- settings
def test_settings_key_stable_and_sensitive() -> None:
    a = {"net": {"width": 4, "cam": 0}, "steps": 4, "phases": (("warmup", 2),)}
    b = {"steps": 4, "phases": [["warmup", 2]], "net": {"cam": 0, "width": 4}}
    assert hub.settings_key(a) == hub.settings_key(b)
    assert len(hub.settings_key(a)) == 16 and int(hub.settings_key(a), 16) >= 0
    assert hub.settings_key({**a, "steps": 5}) != hub.settings_key(a)
    assert hub.settings_key({**a, "net": {"width": 8, "cam": 0}}) != hub.settings_key(a)
    assert hub.settings_key(SMOKE.as_dict()) == hub.settings_key(config.get("smoke").as_dict())
    assert hub.settings_key(SMOKE.as_dict()) != hub.settings_key(SMOKE.replace(**{"train.steps": 5}).as_dict())
    assert hub.settings_key({"path": Path("/x")}) == hub.settings_key({"path": "/x"})  # default=str


def test_runs_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert hub.runs_root(SMOKE) == tmp_path / "runs" / "smoke"
    monkeypatch.delenv(hub.RUNS_ENV_VAR)
    monkeypatch.delenv("AVSCENE_FIGURES", raising=False)
    assert hub.runs_root(SMOKE).parts[-2:] == ("avscene-smoke", "runs")
    assert hub.runs_root(config.get("cpu")) == hub.figures_root().parent / "runs" / "cpu"


# ---------------------------------------------------------------- local runs
def test_local_round_trip(capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = hub.runs_root(SMOKE) / "shift"
    assert hub.start(run_dir, name="shift", profile="smoke", key=KEY, settings={"a": (1, 2)}) is False
    info = json.loads((run_dir / "run.json").read_text())
    assert info == {"name": "shift", "profile": "smoke", "key": KEY, "settings": {"a": [1, 2]}, "finished": False}
    assert hub.find("shift", SMOKE, KEY, fetch=False) is None  # unfinished: not a result
    model = tiny(3)
    torch.save({"model": model.state_dict()}, run_dir / "step_00000004.pt")
    run = hub.finish(run_dir, model, history=[{"step": 4, "loss": 0.5}], train_seconds=120.0)
    assert sorted(p.name for p in run_dir.iterdir()) == ["log.jsonl", "model.pt", "run.json"]
    state = torch.load(run_dir / "model.pt", weights_only=True)
    assert all(v.device.type == "cpu" for v in state.values())
    info = json.loads((run_dir / "run.json").read_text())
    assert info["finished"] is True and info["steps"] == 4 and info["train_seconds"] == 120.0
    assert info["model_bytes"] == (run_dir / "model.pt").stat().st_size and len(info["model_sha256"]) == 64
    assert info["created"] and info["environment"]["versions"]["torch"]
    assert run.source == "local" and run.steps == 4 and run.train_seconds == 120.0

    capsys.readouterr()
    found = hub.find("shift", SMOKE, KEY)
    assert found is not None and found.source == "local" and found.key == KEY and found.dir == run_dir
    assert found.history == [{"step": 4, "loss": 0.5}]
    assert "skipping training" in capsys.readouterr().out
    fresh = tiny(99)
    assert found.load_into(fresh) is fresh and same_state(fresh, model)
    assert hub.expected_minutes("shift", SMOKE) == 2.0
    assert hub.expected_minutes("nothing", SMOKE) is None


def test_start_resumes_a_run_of_the_same_key() -> None:
    run_dir = hub.runs_root(SMOKE) / "shift"
    hub.start(run_dir, name="shift", profile="smoke", key=KEY, settings={})
    torch.save({"step": 2}, run_dir / "step_00000002.pt")
    (run_dir / "log.jsonl").write_text('{"step": 2}\n')
    assert hub.start(run_dir, name="shift", profile="smoke", key=KEY, settings={}) is True
    assert (run_dir / "step_00000002.pt").exists() and (run_dir / "log.jsonl").exists()


def test_start_wipes_other_key_retrain_and_old_folders(capsys: pytest.CaptureFixture[str]) -> None:
    train_run("shift")
    run_dir = hub.runs_root(SMOKE) / "shift"
    capsys.readouterr()
    assert hub.find("shift", SMOKE, OTHER_KEY, fetch=False) is None
    assert "stale" in capsys.readouterr().out
    assert hub.start(run_dir, name="shift", profile="smoke", key=OTHER_KEY, settings={}) is False
    out = capsys.readouterr().out
    assert "trained at other settings" in out and KEY[:8] in out and OTHER_KEY[:8] in out and "training anew" in out
    assert sorted(p.name for p in run_dir.iterdir()) == ["run.json"]
    assert json.loads((run_dir / "run.json").read_text())["key"] == OTHER_KEY

    torch.save({"step": 2}, run_dir / "step_00000002.pt")
    assert hub.start(run_dir, name="shift", profile="smoke", key=OTHER_KEY, settings={}, retrain=True) is False
    assert "retrain=True" in capsys.readouterr().out and not (run_dir / "step_00000002.pt").exists()

    old = hub.runs_root(SMOKE) / "cam"  # a folder from older code: checkpoints and a log, no run.json
    old.mkdir(parents=True)
    torch.save({"step": 2}, old / "step_00000002.pt")
    (old / "log.jsonl").write_text('{"step": 2}\n')
    assert hub.start(old, name="cam", profile="smoke", key=KEY, settings={}) is False
    assert "no run.json" in capsys.readouterr().out
    assert sorted(p.name for p in old.iterdir()) == ["run.json"]


# ---------------------------------------------------------------- loading safely
@pytest.mark.parametrize("damage", ["truncated", "garbage_with_matching_sha", "missing"])
def test_corrupt_model_is_refused_and_model_untouched(damage: str) -> None:
    train_run("shift")
    run = hub.find("shift", SMOKE, KEY, fetch=False)
    path = run.model_path
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "garbage_with_matching_sha":  # passes the checksum, fails torch.load
        path.write_bytes(b"PK\x03\x04 not really a zip")
        run.info["model_sha256"] = hub.sha256_file(path)
    else:
        path.unlink()
    model = tiny(5)
    before = snapshot(model)
    with pytest.raises(hub.WeightsError, match="model.pt") as err:
        run.load_into(model)
    assert str(path) in str(err.value)
    assert unchanged(model, before)


@pytest.mark.parametrize("other, problem", [
    (lambda: tiny(5, width=5), "shape"),
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)), "missing"),
    (lambda: nn.Sequential(nn.Linear(3, 4)), "unexpected"),
])
def test_wrong_keys_or_shapes_are_refused(other, problem: str) -> None:
    train_run("shift")
    run = hub.find("shift", SMOKE, KEY, fetch=False)
    model = other()
    before = snapshot(model)
    with pytest.raises(hub.WeightsError, match=problem) as err:
        run.load_into(model)
    assert "model.pt" in str(err.value)
    assert unchanged(model, before)


# ---------------------------------------------------------------- packing
def test_pack_is_deterministic_and_holds_only_models_runs_logs(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(hub.WeightsError, match="no finished run"):
        hub.pack("smoke", tmp_path / "empty")
    train_run("shift", seed=1)
    train_run("action/scratch", seed=2)
    unfinished = hub.runs_root(SMOKE) / "cam"
    hub.start(unfinished, name="cam", profile="smoke", key=KEY, settings={})
    torch.save({"step": 2}, unfinished / "step_00000002.pt")
    torch.save({"step": 4}, hub.runs_root(SMOKE) / "shift" / "step_00000004.pt")  # a leftover checkpoint

    manifest = hub.pack("smoke", tmp_path / "a")
    out = capsys.readouterr().out
    doc = json.loads(manifest.read_text())
    entry = doc["archives"]["smoke"]
    assert doc["version"] == 1 and doc["base_url"] == "." and entry["file"] == "avscene-weights-smoke.tar"
    archive = tmp_path / "a" / entry["file"]
    assert entry["sha256"] in out and "release asset" in out and "weights.json" in out and "--publish" in out
    assert entry["bytes"] == archive.stat().st_size and entry["sha256"] == hub.sha256_file(archive)
    assert sorted(entry["runs"]) == ["action/scratch", "shift"]
    shift = entry["runs"]["shift"]
    assert shift["key"] == KEY and shift["steps"] == 4 and shift["train_seconds"] == 90.0 and "cpu" in shift["device"]
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == sorted(f"{run}/{f}" for run in ("action/scratch", "shift")
                                               for f in ("log.jsonl", "model.pt", "run.json"))
    assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 and m.uname == "" and m.gname == "" for m in members)

    for path in hub.runs_root(SMOKE).rglob("*"):  # other timestamps, same content: same archive
        if path.is_file():
            path.touch()
    again = json.loads(hub.pack("smoke", tmp_path / "b").read_text())["archives"]["smoke"]
    assert again["sha256"] == entry["sha256"]

    only = json.loads(hub.pack("smoke", tmp_path / "c", names=["shift"]).read_text())
    assert list(only["archives"]["smoke"]["runs"]) == ["shift"]
    with pytest.raises(hub.WeightsError, match="'cam'"):
        hub.pack("smoke", tmp_path / "d", names=["cam"])


# ---------------------------------------------------------------- published weights
def test_find_downloads_published_weights_once(published: SimpleNamespace, env: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    server = published.server
    capsys.readouterr()
    run = hub.find("shift", SMOKE, KEY)
    out = capsys.readouterr().out
    assert run is not None and run.source == "published" and run.key == KEY and run.steps == 4
    assert f"found pretrained weights 'shift' for profile smoke ({server.url}/avscene-weights-smoke.tar" in out
    assert "trained 1.5 min on cpu" in out and "skipping training" in out
    assert (env / "cache") in run.dir.parents
    assert server.requests == ["/avscene-weights-smoke.tar"]
    assert not list((env / "cache").rglob("*.part"))
    assert not (run.dir / "step_00000004.pt").exists()
    model = tiny(42)
    run.load_into(model)
    assert same_state(model, published.models["shift"])

    cam = hub.find("cam", SMOKE, KEY)  # the same archive: nothing downloaded again
    model = cam.load_into(tiny(43))
    assert same_state(model, published.models["cam"])
    assert len(server.requests) == 1

    extracted = run.dir.parent
    shutil.rmtree(extracted)  # the cached archive is re-verified and re-extracted, not downloaded
    assert hub.find("shift", SMOKE, KEY) is not None and len(server.requests) == 1
    assert hub.fetch("smoke") == extracted and len(server.requests) == 1
    assert hub.expected_minutes("shift", SMOKE) == 1.5


@pytest.mark.parametrize("how", ["folder", "file_url", "relative_manifest"])
def test_weights_from_a_local_folder_without_http(how: str, tmp_path: Path, env: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    model = train_run("shift", seed=1)
    packed = tmp_path / "packed"
    manifest = hub.pack("smoke", packed, base_url=None if how == "relative_manifest" else "http://127.0.0.1:9")
    monkeypatch.setenv(hub.WEIGHTS_MANIFEST_ENV, str(manifest))
    monkeypatch.setenv(hub.RUNS_ENV_VAR, str(tmp_path / "fresh-runs"))
    if how == "folder":
        monkeypatch.setenv(hub.WEIGHTS_URL_ENV, str(packed))
    elif how == "file_url":
        monkeypatch.setenv(hub.WEIGHTS_URL_ENV, packed.as_uri())

    def no_network(*args, **kwargs):
        raise AssertionError("no HTTP for a local folder")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    run = hub.find("shift", SMOKE, KEY)
    assert run is not None and run.source == "published"
    assert str(packed / "avscene-weights-smoke.tar") in capsys.readouterr().out
    assert same_state(run.load_into(tiny(7)), model)
    assert (packed / "avscene-weights-smoke.tar").exists()  # the source is never moved or deleted


def test_checksum_mismatch_in_manifest_is_refused(published: SimpleNamespace, env: Path) -> None:
    rewrite_manifest(published.manifest, sha256="0" * 64)
    with pytest.raises(hub.WeightsError) as err:
        hub.find("shift", SMOKE, KEY)
    message = str(err.value)
    assert "avscene-weights-smoke.tar" in message and "0" * 64 in message and hub.sha256_file(published.archive) in message
    assert "deleted" in message and hub.WEIGHTS_URL_ENV in message and "retrain=True" in message
    assert no_partial_files(env / "cache")


def test_altered_archive_on_the_server_is_refused(published: SimpleNamespace, env: Path) -> None:
    data = bytearray(published.archive.read_bytes())
    data[700] ^= 0xFF  # same size, other bytes
    published.archive.write_bytes(bytes(data))
    with pytest.raises(hub.WeightsError, match="avscene-weights-smoke.tar"):
        hub.find("shift", SMOKE, KEY)
    assert no_partial_files(env / "cache")
    assert published.server.requests == ["/avscene-weights-smoke.tar"]


def test_corrupt_or_unsafe_archive_is_refused(published: SimpleNamespace, env: Path, tmp_path: Path) -> None:
    published.archive.write_bytes(b"this is no tar archive" * 100)
    rewrite_manifest(published.manifest, sha256=hub.sha256_file(published.archive), bytes=2200)
    with pytest.raises(hub.WeightsError, match="not a readable weights archive"):
        hub.find("shift", SMOKE, KEY)
    assert no_partial_files(env / "cache")

    evil = tmp_path / "evil.txt"
    evil.write_text("outside")
    with tarfile.open(published.archive, "w") as tar:
        tar.add(evil, arcname="../evil.txt")
    rewrite_manifest(published.manifest, sha256=hub.sha256_file(published.archive), bytes=published.archive.stat().st_size)
    with pytest.raises(hub.WeightsError, match="unsafe member"):
        hub.find("shift", SMOKE, KEY)
    assert list(env.rglob("evil.txt")) == [evil]  # nothing written outside the extraction folder
    assert no_partial_files(env / "cache") and not [p for p in (env / "cache" / "weights").iterdir()]


def test_published_weights_of_another_key_are_not_used(published: SimpleNamespace,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert hub.find("shift", SMOKE, OTHER_KEY) is None
    assert "were trained at other settings" in capsys.readouterr().out
    assert hub.find("separation/full", SMOKE, KEY) is None  # not published
    assert published.server.requests == []


def test_unreachable_server_warns_and_returns_none(published: SimpleNamespace, env: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv(hub.WEIGHTS_URL_ENV, f"http://127.0.0.1:{port}/weights")
    capsys.readouterr()
    assert hub.find("shift", SMOKE, KEY) is None
    out = capsys.readouterr().out
    assert out.startswith("warning:") and f"http://127.0.0.1:{port}/weights/avscene-weights-smoke.tar" in out
    assert no_partial_files(env / "cache")
    monkeypatch.setenv(hub.WEIGHTS_URL_ENV, f"{published.server.url}/missing")  # HTTP 404: also a warning
    assert hub.find("shift", SMOKE, KEY) is None and "404" in capsys.readouterr().out


def test_packaged_manifest_has_no_smoke_entry(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = json.loads((repo / "lib" / "avscene" / "course" / "weights.json").read_text())
    assert doc["version"] == 1 and doc["base_url"].startswith("https://github.com/")
    assert "smoke" not in doc["archives"]
    assert hub.load_manifest()["archives"] == doc["archives"]
    package_data = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "course/weights.json" in package_data["avscene"]

    def no_network(*args, **kwargs):
        raise AssertionError("smoke must never touch the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    assert hub.find("shift", SMOKE, KEY) is None


def test_cli_pack_publish_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "weights"
    assert hub.main(["pack", "--profile", "smoke", "--out", str(out)]) == 1
    assert "no finished run" in capsys.readouterr().err
    train_run("shift")
    assert hub.main(["pack", "--profile", "smoke", "--out", str(out), "--names", "shift"]) == 0
    manifest = out / "manifest.json"
    assert (out / "avscene-weights-smoke.tar").exists() and manifest.exists()

    target = tmp_path / "weights.json"
    target.write_text((hub.PACKAGED_MANIFEST).read_text())
    hub.publish("smoke", manifest, target=target)
    doc = json.loads(target.read_text())
    assert doc["base_url"] == hub.load_manifest()["base_url"]
    assert doc["archives"]["smoke"] == json.loads(manifest.read_text())["archives"]["smoke"]
    with pytest.raises(hub.WeightsError, match="never published"):
        hub.publish("smoke", manifest)

    capsys.readouterr()
    assert hub.main(["list", "--profile", "smoke"]) == 0
    listing = capsys.readouterr().out
    assert "shift" in listing and f"key {KEY}" in listing and "finished" in listing
