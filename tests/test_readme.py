"""The README says what exists, what is planned and how long each notebook took, read from metrics.json,
and every measured number set beside a paper's says whether the two are comparable."""
from __future__ import annotations

import json
import re
from pathlib import Path

from avscene.course import outputs, pipeline, readme


def _readme(repo: Path) -> str:
    return (repo / "README.md").read_text()


def test_table_of_notebooks_is_up_to_date(repo: Path) -> None:
    text = _readme(repo)
    assert readme.render(text, readme.table()) == text, "README.md's table of notebooks is stale: run `make readme`"


def test_measured_results_are_up_to_date(repo: Path) -> None:
    """The README's *Measured so far* numbers are generated from metrics.json and the seed studies."""
    text = _readme(repo)
    block = readme.results_table()
    assert readme.render(text, block) == text, "README.md's measured results are stale: run `make readme`"
    assert "| 03 |" in block and "| 04 |" in block


def test_results_table_reads_the_seed_study(tmp_path: Path) -> None:
    for nb, metrics in (("03_pretraining", {"held-out accuracy": 0.9, "baseline_accuracy": 0.8,
                                             "control audio_zeroed": 0.5, "control frames_frozen": 0.49,
                                             "offset-sweep peak (frames)": 0}),):
        (tmp_path / nb).mkdir()
        (tmp_path / nb / "metrics.json").write_text(json.dumps({"profile": "cpu", "metrics": metrics}))
    assert "over 3 seeds" not in readme.results_table(tmp_path)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "cpu.json").write_text(json.dumps({"summary": {"pretext_accuracy": {
        "n": 3, "mean": 0.95, "std": 0.01, "min": 0.94, "max": 0.96}}}))
    row = next(line for line in readme.results_table(tmp_path).splitlines() if line.startswith("| 03 |"))
    assert "held-out shift accuracy 90.0 % in this run" in row
    assert "over 3 seeds, each from scratch: 95.0 ± 1.0 %** (min 94.0 %, max 96.0 %)" in row


def test_packaged_run_times_are_up_to_date() -> None:
    doc = json.loads(outputs.RUN_TIMES.read_text())
    assert doc == readme.run_times_doc(), "lib/avscene/course/run_times.json is stale: run `make readme`"


def test_every_notebook_is_linked_and_the_others_planned(repo: Path) -> None:
    block = readme.table()
    written = {p.stem[:2]: p for p in pipeline.sources()}
    for number, _, _ in readme.SERIES:
        row = next(line for line in block.splitlines() if line.startswith(f"| {number} |"))
        if number in written:
            assert f"](notebooks/{written[number].name})" in row and f"{written[number].stem}.ipynb)" in row
            assert "planned" not in row
        else:
            assert "(**planned**)" in row and "](" not in row
    assert [n for n, _, _ in readme.SERIES] == [f"{i:02d}" for i in range(10)]


def test_stated_minutes_match_metrics_json(repo: Path) -> None:
    """Every minute count the README states comes from a metrics.json, rounded as written."""
    for py in pipeline.sources():
        measured = outputs.run_time(py.stem)
        if measured is None:
            continue
        row = next(line for line in _readme(repo).splitlines() if line.startswith(f"| {py.stem[:2]} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        shown = measured["minutes"] if measured["with_weights"] is None else measured["with_weights"]
        assert cells[3].rstrip("*") == outputs._minutes(shown), (py.stem, cells[3], shown)
    caption = re.search(r"after ([\d.]+) minutes of self-supervised training", _readme(repo))
    if caption:
        doc = json.loads((outputs.figures_root() / "03_pretraining" / "metrics.json").read_text())
        assert caption.group(1) == f"{doc['metrics']['training_minutes']:.1f}", "README caption vs metrics.json"


def test_numbers_beside_the_papers_carry_a_comparability_caveat(repo: Path) -> None:
    text = _readme(repo)
    section = text[text.index("## Measured so far"):]
    section = section[:section.index("\n## ", 1)]
    assert "not comparable" in section.split("|")[0]  # the caveat stated once above the table
    rows = [line for line in section.splitlines() if re.match(r"\| \d\d \|", line)]
    assert rows
    header = next(line for line in section.splitlines() if line.startswith("| notebook |"))
    assert header.rstrip().endswith("| comparable? |")
    for row in rows:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        paper, verdict = cells[2], cells[3]
        assert verdict.startswith(("comparable", "**not comparable**")), row
        if "%" in paper or "AudioSet" in paper:  # an accuracy on real data beside one on the synthetic world
            assert verdict.startswith("**not comparable**"), row
    for line in text.splitlines():  # anywhere else the paper's headline accuracy appears
        if "59.9 %" in line and line.startswith("|"):
            assert "not comparable" in line, line


def test_readme_states_where_the_install_was_tested(repo: Path) -> None:
    text = _readme(repo)
    assert "Linux x86-64, CPU**: tested" in text
    assert re.search(r"macOS.*\n(.*\n){0,4}.*Not tested", text), "say honestly that macOS is not tested"
