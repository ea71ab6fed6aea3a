"""Report sections that read datasets, checkpoints and job records (see `build`)."""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from motionprior.experiment.config import ExperimentConfig
from motionprior.report import figures


def demo_datasets(root: Path) -> list[Path]:
    return sorted(p.parent.parent for p in (root / "data" / "demos").glob("*/meta/info.json"))


def labels_section(root: Path, fig_dir: Path, s: Any) -> Any:
    """Label distribution per embodiment, one labeled trajectory, labeler accuracy."""
    from motionprior.cli import main
    from motionprior.data.frames import FrameTable
    from motionprior.data.lerobot import open_dataset

    counts: dict[str, Counter] = {}
    labeled = []
    for path in demo_datasets(root):
        reader = open_dataset(path)
        if "motion" not in reader.features:
            continue
        table = FrameTable.from_reader(reader, images=False, motion=True)
        counts.setdefault(table.embodiment, Counter()).update(table.motion)
        labeled.append(path)
    if not counts:
        return s.p("No labeled dataset in this experiment yet.")
    figures.label_distribution(counts, fig_dir / "labels.png")
    s.img(fig_dir / "labels.png", "most frequent motion labels per embodiment")
    plot = fig_dir / "labeled_episode.png"
    if main(["label-plot", str(labeled[0]), "--episode", "0", "--out", str(plot),
             "--force"]) == 0:
        s.img(plot, f"{labeled[0].name}, episode 0: trajectory with its label segments")
    acc = labeler_accuracy()
    return s.table(["labeler", "exact per-step accuracy (synthetic annotated episodes)"],
                   [[k, f"{v:.1%}"] for k, v in acc.items()]).p(
        "Accuracy on 24 synthetic episodes with known segments (4 random embodiment profiles "
        "x 6 episodes; motionprior.motion.synthetic); the baseline uses its default "
        "threshold. benchmarks/RESULTS_labeler.md has the full protocol with a tuned baseline.")


def labeler_accuracy(profiles: int = 4, episodes: int = 6) -> dict[str, float]:
    """Exact per-step accuracy of the adaptive labeler and the fixed-threshold baseline."""
    from motionprior.motion.dataset import make_labeler
    from motionprior.motion.evaluate import score
    from motionprior.motion.synthetic import make_episode, random_profile

    out = {}
    for method in ("adaptive", "baseline"):
        predicted, truth = [], []
        for k in range(profiles):
            items = [make_episode(random_profile(500 + k), 20_000 + e) for e in range(episodes)]
            trajs = [it.trajectory for it in items]
            predicted += make_labeler(method).fit(trajs).label_many(trajs)
            truth += [it.labels for it in items]
        out[method] = score(predicted, truth).accuracy
    return out


def embedding_section(cfg: ExperimentConfig, root: Path, fig_dir: Path, s: Any) -> Any:
    """The PCA picture for one model trained with motion words and one without."""
    from motionprior.report.embedding import centroid_distances, embedding_groups, plot_embeddings
    from motionprior.vla.training import load_vla

    def first_run(with_words: bool) -> Path | None:
        # token variants first: their action tokens are trained, so their place means something
        arms = sorted(cfg.arms, key=lambda a: not cfg.arm(a).variant.endswith("tokens"))
        for arm in arms:
            if cfg.arm(arm).variant.startswith("motion") == with_words:
                runs = sorted((root / "runs" / arm).glob("*/checkpoints"))
                if runs:
                    return runs[0].parent
        return None

    panels = {}
    for with_words in (True, False):
        run = first_run(with_words)
        if run is not None:
            model = load_vla(run).model
            panels[f"{run.parent.name} ({'with' if with_words else 'without'} motion words)"] \
                = embedding_groups(model)
    if not panels:
        return s.p("No trained policy in this experiment yet.")
    plot_embeddings(panels, fig_dir / "embeddings.png")
    rows = [[title, group, f"{d:.2f}"] for title, groups in panels.items()
            for group, d in centroid_distances(groups).items()]
    return (s.img(fig_dir / "embeddings.png", "action-token and motion-word embeddings among "
                  "the language model's word embeddings")
            .table(["model", "group", "centroid distance / language radius"], rows))


def curve_of(curves: dict, arm: str, demos: int, metric: str = "success") -> dict[int, float]:
    """Mean over seeds of `metric` per step for the runs of (arm, demos)."""
    points: dict[int, list[float]] = {}
    for run, rows in curves.items():
        name, cell = run.split("/", 1)
        if name == arm and cell.startswith(f"d{demos}_"):
            for r in rows:
                if r["metric"] == metric:
                    points.setdefault(r["step"], []).append(r["value"])
    return {k: float(np.mean(v)) for k, v in sorted(points.items())}


def steps_to_threshold(groups: list[dict], curves: dict,
                       counterpart: dict[str, str]) -> list[list[str]]:
    """Per arm with a counterpart: steps each needs to reach the counterpart's final success."""
    final = {(g["arm"], g["demos"]): g["mean"] for g in groups if g["prior_fraction"] in
             (None, 1.0)}
    rows = []
    for arm, demos in final:
        base = counterpart.get(arm)
        if base is None or (base, demos) not in final:
            continue
        threshold = final[(base, demos)]

        def first(curve: dict[int, float], threshold: float = threshold) -> str:
            return next((str(step) for step, v in curve.items() if v >= threshold), "-")

        mine, theirs = curve_of(curves, arm, demos), curve_of(curves, base, demos)
        if mine or theirs:
            rows.append([arm, base, str(demos), f"{threshold:.0%}", first(mine),
                         first(theirs)])
    return rows


def timings(cfg: ExperimentConfig, root: Path, s: Any) -> Any:
    """Wall time per kind of job, training throughput, evaluation cost per step, labeling."""
    from motionprior.experiment.plan import build_plan
    from motionprior.experiment.runner import state_file

    per_kind: dict[str, list[float]] = {}
    label_seconds = None
    for job in build_plan(cfg, root):
        path = state_file(root, job)
        if path.exists():
            secs = json.loads(path.read_text())["seconds"]
            per_kind.setdefault(job.kind, []).append(secs)
            if job.kind == "label":
                label_seconds = secs
    if not per_kind:
        return s.p("No job has finished yet.")
    s.table(["job kind", "jobs", "total wall time", "median per job"],
            [[k, str(len(v)), f"{sum(v) / 60:.1f} min", f"{statistics.median(v) / 60:.1f} min"]
             for k, v in per_kind.items()])
    rows = []
    for arm in cfg.arms:
        rates = [float(r["value"]) for m in (root / "runs" / arm).glob("*/metrics.csv")
                 for r in csv.DictReader(io.StringIO(m.read_text()))
                 if r["metric"] == "samples_per_s"]
        steps = [json.loads(e.read_text()) for e in
                 (root / "eval" / arm).glob("*/*/episodes/*.json")]
        per_step = [r["seconds"] / max(r["steps"], 1) for r in steps]
        if rates or per_step:
            rows.append([arm, f"{statistics.median(rates):.0f}" if rates else "-",
                         f"{1000 * statistics.median(per_step):.0f} ms" if per_step else "-"])
    if rows:
        s.table(["arm", "training samples/s (median)", "evaluation time per control step "
                 "(simulator, rendering and policy; median)"], rows)
    if label_seconds:
        from motionprior.data.lerobot import open_dataset

        frames = sum(len(open_dataset(p).column("action")) for p in demo_datasets(root))
        s.p(f"Labeling: {frames} frames in {label_seconds:.1f} s (job wall time, process "
            f"start included): {frames / label_seconds:.0f} frames/s.")
    return s
