"""The experiment report: `report.md` and a self-contained `report.html` (pictures inline).

    build_report(cfg, "runs/demo")  ->  runs/demo/report.html, runs/demo/report.md, figures/

Every section is computed from the experiment folder's real runs (evaluations, metrics.csv,
datasets, checkpoints); a section whose inputs do not exist yet says so instead of showing a
placeholder. Sections: results, learning curves with steps-to-threshold, data-scarce regime,
stage-1 scaling, motion labels, the embedding picture, rollouts with the words the policy
said, timings.
"""

from __future__ import annotations

import base64
import html
import time
from dataclasses import dataclass, field
from pathlib import Path

from motionprior import atomic
from motionprior.experiment.config import ExperimentConfig
from motionprior.experiment.plan import Cell
from motionprior.experiment.results import group_results, learning_curves
from motionprior.report import figures
from motionprior.report.sections import (
    embedding_section,
    labels_section,
    steps_to_threshold,
    timings,
)

# an arm -> the arm without its prior (the counterpart it is measured against)
COUNTERPART = {"flow+prior": "flow", "flow+prior-no-distill": "flow",
               "flow+prior-no-history": "flow", "flow+prior-no-reuse": "flow",
               "flow+prior-frozen": "flow", "motion+flow+prior": "flow",
               "motion+tokens": "tokens", "motion-pre+motion+tokens": "tokens",
               "motion-pre+motion+flow+prior": "flow"}


@dataclass
class Section:
    title: str
    blocks: list[tuple] = field(default_factory=list)  # ("p", text) | ("img", path, caption)
    # | ("gif", path, caption) | ("table", header, rows)

    def p(self, text: str) -> Section:
        self.blocks.append(("p", text))
        return self

    def img(self, path: Path, caption: str) -> Section:
        self.blocks.append(("img", path, caption))
        return self

    def table(self, header: list[str], rows: list[list[str]]) -> Section:
        self.blocks.append(("table", header, rows))
        return self


def build_report(cfg: ExperimentConfig, root: str | Path, *, title: str = "motionprior report"
                 ) -> tuple[Path, Path]:
    root = Path(root)
    fig_dir = root / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    groups = group_results(cfg, root)
    curves = learning_curves(cfg, root)
    sections = [results_section(groups, fig_dir),
                curves_section(cfg, groups, curves, fig_dir),
                scaling_section(groups, fig_dir, "demos", "demonstrations per pair",
                                "Data-scarce regime", "scarce.png"),
                scaling_section([g for g in groups if g["prior_fraction"] is not None], fig_dir,
                                "prior_fraction", "share of the stage-1 action data",
                                "Stage-1 scaling", "stage1.png"),
                labels_section(root, fig_dir, Section("Motion labels")),
                embedding_section(cfg, root, fig_dir, Section("Embedding picture")),
                rollouts_section(cfg, root, groups),
                timings(cfg, root, Section("Timings"))]
    stamp = time.strftime("%Y-%m-%d %H:%M")
    md = render_markdown(title, stamp, sections, root)
    page = render_html(title, stamp, sections)
    atomic.write_text(root / "report.md", md)
    atomic.write_text(root / "report.html", page)
    return root / "report.html", root / "report.md"


def results_section(groups: list[dict], fig_dir: Path) -> Section:
    s = Section("Results")
    if not groups:
        return s.p("No evaluation has finished yet.")
    pairs = sorted({p for g in groups for p in g["pairs"]})
    header = ["arm", "demos", "stage-1 data", "seeds", "suite mean [95% CI]",
              *[figures.short_pair(p) for p in pairs]]
    rows = []
    for g in groups:
        frac = "-" if g["prior_fraction"] is None else f"{g['prior_fraction']:g}"
        rows.append([g["arm"], str(g["demos"]), frac, str(len(g["seeds"])),
                     f"{g['mean']:.1%} [{g['ci_low']:.1%}, {g['ci_high']:.1%}]",
                     *[f"{g['pairs'][p]['success']:.0%}" if p in g["pairs"] else "-"
                       for p in pairs]])
    figures.success_per_pair(groups, fig_dir / "success.png")
    return (s.p("Closed-loop success rate per task-embodiment pair; suite mean with a 95% "
                "bootstrap interval over seeds and episodes; per-pair bars with Wilson 95% "
                "intervals.").table(header, rows)
            .img(fig_dir / "success.png", "success per pair and arm"))


def curves_section(cfg: ExperimentConfig, groups: list[dict], curves: dict,
                   fig_dir: Path) -> Section:
    s = Section("Learning curves")
    drew = False
    mse_note = ("; MSE of decoded chunks in the data's own normalized units for every arm "
                "(an arm with a stage-1 prior works in the prior's units; its chunks are "
                "converted before the error is taken)")
    for metric, name, label, note in (
            ("action_mse", "curve_mse.png", "validation action MSE", mse_note),
            ("success", "curve_success.png", "closed-loop success", "")):
        if figures.learning_curves(curves, metric, fig_dir / name, ylabel=label):
            s.img(fig_dir / name, f"{label} against training step (mean over seeds, "
                  f"min-max shaded{note})")
            drew = True
    if not drew:
        return s.p("No training run has logged validation metrics yet.")
    rows = steps_to_threshold(groups, curves, COUNTERPART)
    if rows:
        s.p("Steps to reach the final closed-loop success of the counterpart without the "
            "prior (first logged checkpoint at or above it; '-' = never within the run).")
        s.table(["arm", "counterpart", "demos", "threshold", "steps (arm)",
                 "steps (counterpart)"], rows)
    return s


def scaling_section(groups: list[dict], fig_dir: Path, key: str, xlabel: str, title: str,
                    name: str) -> Section:
    s = Section(title)
    if figures.success_against(groups, key, fig_dir / name, xlabel=xlabel):
        return s.img(fig_dir / name, f"suite mean success against {xlabel}")
    return s.p(f"Needs runs at two or more values of {xlabel}; this experiment has fewer.")


def rollouts_section(cfg: ExperimentConfig, root: Path, groups: list[dict],
                     limit: int = 6) -> Section:
    s = Section("Rollouts")
    if not groups:
        return s.p("No evaluation has finished yet.")
    best = max(groups, key=lambda g: g["mean"])
    cell = Cell(best["arm"], best["seeds"][0], best["demos"], best["prior_fraction"])
    ev = root / "eval" / cell.arm / cell.key
    gifs = sorted(ev.glob("*/videos/*.gif"))[:limit]
    if not gifs:
        return s.p(f"{ev} holds no rollout GIF (eval --videos 0?).")
    s.p(f"The best arm, {best['arm']} ({best['mean']:.0%}): the first episode of each pair, "
        "with the motion words the policy emitted under each frame.")
    for g in gifs:
        s.blocks.append(("gif", g, f"{g.parent.parent.name}: {g.stem}"))
    return s


def _image_data(path: Path) -> str:
    mime = "image/gif" if path.suffix == ".gif" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def render_html(title: str, stamp: str, sections: list[Section]) -> str:
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
           "</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;"
           "padding:0 1em}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid"
           " #ccc;padding:2px 6px}figure{display:inline-block;margin:6px}img{max-width:100%}"
           "figcaption{font-size:12px;color:#555}</style></head><body>",
           f"<h1>{html.escape(title)}</h1><p><small>{stamp}</small></p>"]
    for sec in sections:
        out.append(f"<h2>{html.escape(sec.title)}</h2>")
        for block in sec.blocks:
            kind = block[0]
            if kind == "p":
                out.append(f"<p>{html.escape(block[1])}</p>")
            elif kind == "table":
                head = "".join(f"<th>{html.escape(h)}</th>" for h in block[1])
                body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r)
                               + "</tr>" for r in block[2])
                out.append(f"<table><tr>{head}</tr>{body}</table>")
            else:
                size = " style='width:256px;image-rendering:pixelated'" if kind == "gif" else ""
                out.append(f"<figure><img src='{_image_data(block[1])}'{size}><figcaption>"
                           f"{html.escape(block[2])}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out)


def render_markdown(title: str, stamp: str, sections: list[Section], root: Path) -> str:
    out = [f"# {title}", "", f"_{stamp}_", ""]
    for sec in sections:
        out += [f"## {sec.title}", ""]
        for block in sec.blocks:
            if block[0] == "p":
                out += [block[1], ""]
            elif block[0] == "table":
                out += ["| " + " | ".join(block[1]) + " |", "|" + "---|" * len(block[1])]
                out += ["| " + " | ".join(r) + " |" for r in block[2]] + [""]
            else:
                out += [f"![{block[2]}]({block[1].relative_to(root)})", ""]
    return "\n".join(out)


def headline(cfg: ExperimentConfig, root: str | Path) -> list[str]:
    """The last lines `make demo` prints: each arm's suite mean."""
    return [f"{g['arm']:>28s}: {g['mean']:.0%} [{g['ci_low']:.0%}, {g['ci_high']:.0%}]"
            for g in group_results(cfg, root)]
