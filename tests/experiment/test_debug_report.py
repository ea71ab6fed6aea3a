"""`motionprior demo --preset debug` (the `debug` experiment) end to end through the CLI:
every job kind runs for real, a stopped grid resumes, and the report has every section,
drawn from those runs."""

import json
import re

from motionprior.cli import main

SECTIONS = ("Results", "Learning curves", "Data-scarce regime", "Stage-1 scaling",
            "Motion labels", "Embedding picture", "Rollouts", "Timings")


def test_debug_experiment_builds_a_full_report(tmp_path, capsys):
    out = tmp_path / "exp"
    # first only the data and one policy (as if the grid had been stopped), then the rest
    assert main(["experiment", "debug", "--out", str(out), "--only", "eval:flow/d2_s0"]) == 0
    first = capsys.readouterr().out
    assert "done eval:flow/d2_s0" in first and "train:flow/d3_s0" not in first
    assert main(["demo", "--preset", "debug", "--out", str(out)]) == 0  # `make demo`, tiny
    text = capsys.readouterr().out
    assert "motion words of a few demonstrations:" in text
    assert re.search(r"metaworld_reach-v3, episode 0: 0\.0-\d\.\ds \w", text)
    assert "== done in" in text and "Report:" in text
    assert re.search(r"motion\+flow\+prior: \d+% \[\d+%, \d+%\]", text.splitlines()[-1])
    assert "start collect-demos" not in text and "start train:flow/d2_s0" not in text  # kept
    assert "start train:motion+flow+prior/d3_s0_f1" in text
    md = (out / "report.md").read_text()
    headers = re.findall(r"^## (.+)$", md, flags=re.M)
    assert headers == list(SECTIONS)
    assert "yet" not in md and "Needs runs" not in md  # no section without its runs
    results = json.loads((out / "results.json").read_text())
    cells = {(g["arm"], g["demos"], g["prior_fraction"]) for g in results["groups"]}
    assert cells == {("flow", 2, None), ("flow", 3, None), ("motion+flow+prior", 2, 0.5),
                     ("motion+flow+prior", 2, 1.0), ("motion+flow+prior", 3, 0.5),
                     ("motion+flow+prior", 3, 1.0)}
    for g in results["groups"]:
        assert g["pairs"]["metaworld/reach-v3"]["episodes"] == 1
    for name in ("success", "curve_mse", "scarce", "stage1", "labels", "labeled_episode",
                 "embeddings"):
        png = out / "figures" / f"{name}.png"
        assert png.read_bytes()[:4] == b"\x89PNG", name
    assert re.search(r"\| adaptive \| \d+\.\d% \|", md)
    assert re.search(r"\| motion\+flow\+prior \(with motion words\) \| action tokens \| "
                     r"\d+\.\d\d \|", md)
    assert re.search(r"\| train \| 6 \| [\d.]+ min", md)
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 7 and "data:image/gif;base64," in page
    assert "src='figures" not in page and "http" not in page  # self-contained, offline
