"""Quality of a trained action prior: held-out reconstruction MSE and jerk, per embodiment.

Synthetic data (default): three made-up embodiments (7, 6 and 4 action dims, different speeds),
trained with the real loop on `--train` windows and evaluated on `--test` windows drawn with
another seed. Real data: `--data DATASET...` runs `pretrain_prior` (the CLI path) and reports
its held-out evaluation. Baseline rows: predicting zeros, and predicting each embodiment's
mean chunk (from the training set).

    .venv/bin/python benchmarks/bench_prior_quality.py --steps 1000
    .venv/bin/python benchmarks/bench_prior_quality.py --steps 1000 --use-embodiment
    .venv/bin/python benchmarks/bench_prior_quality.py --data ../shared/.../so101 --steps 500
"""

from __future__ import annotations

import os

# as the motionprior CLI does: no OpenMP spin-waiting on a shared machine (RESULTS_prior.md)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

from motionprior.prior import ActionPrior, preset  # noqa: E402
from motionprior.prior.config import with_embodiments  # noqa: E402
from motionprior.prior.evaluate import evaluate_prior, plot_latents  # noqa: E402
from motionprior.prior.synthetic import SyntheticWindows  # noqa: E402
from motionprior.train import seed_everything, train  # noqa: E402
from motionprior.train.config import config_to_dict  # noqa: E402


def _baselines(train_set: SyntheticWindows, test: SyntheticWindows) -> dict[str, dict]:
    out = {}
    for e, name in enumerate(test.names):
        tr = train_set.embodiment_id == e
        te = test.embodiment_id == e
        m_tr, m_te = train_set.action_mask[tr].float(), test.action_mask[te]
        mean = (train_set.actions[tr] * m_tr).sum(0) / m_tr.sum(0).clamp_min(1)
        a = test.actions[te]
        out[name] = {"zeros": float(a[m_te].pow(2).mean()),
                     "mean_chunk": float((a - mean)[m_te].pow(2).mean())}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="quickstart")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--train", type=int, default=20000, help="synthetic training windows")
    ap.add_argument("--test", type=int, default=1500, help="synthetic held-out windows")
    ap.add_argument("--use-embodiment", action="store_true")
    ap.add_argument("--latent-reg", choices=("kl", "l2", "none"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0, help="training seed (data stay the same)")
    ap.add_argument("--data", nargs="*", help="LeRobot datasets (default: synthetic data)")
    ap.add_argument("--out", default=None, help="keep the run here (default: a temp dir)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = preset(args.preset)
    model_over = {"use_embodiment": args.use_embodiment}
    if args.latent_reg:
        model_over["latent_reg"] = args.latent_reg
    cfg = dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, **model_over),
                              train=dataclasses.replace(cfg.train, steps=args.steps,
                                                        val_every=0, checkpoint_every=0,
                                                        seed=args.seed))
    out = Path(args.out or tempfile.mkdtemp(prefix="bench_prior_"))
    print(f"load {os.getloadavg()[0]:.2f}  preset {args.preset}  steps {args.steps}  "
          f"seed {args.seed}  embodiment embedding {args.use_embodiment}  "
          f"latent_reg {cfg.model.latent_reg}  out {out}")
    t0 = time.perf_counter()
    if args.data:
        from motionprior.prior.pretrain import pretrain_prior

        pretrain_prior(args.data, out, cfg, progress=False)
        metrics = json.loads((out / "eval" / "metrics.json").read_text())
        print(f"trained + evaluated in {time.perf_counter() - t0:.0f} s")
        print(json.dumps(metrics, indent=2))
        return
    train_set = SyntheticWindows(args.train, seed=0, d_max=cfg.model.d_max)
    test = SyntheticWindows(args.test, seed=1, d_max=cfg.model.d_max)
    cfg = with_embodiments(cfg, train_set.names)
    seed_everything(cfg.train.seed)
    model = ActionPrior(cfg.model)
    result = train(model, train_set, cfg.train, out / "run", run_config=config_to_dict(cfg),
                   progress=False)
    elapsed = time.perf_counter() - t0
    from motionprior.train import checkpoint as ck

    model.load_state_dict(ck.load_weights(result.checkpoint, ema=cfg.train.ema))
    batches = [test.batch(range(i, min(i + 256, len(test)))) for i in range(0, len(test), 256)]
    res = evaluate_prior(model, batches, seed=0)
    plot_latents(res["latents"], res["embodiments"], res["tasks"], out / "latents.png")
    base = _baselines(train_set, test)
    print(f"trained {args.steps} steps in {elapsed:.0f} s; final train loss "
          f"{result.train_metrics.get('loss', float('nan')):.4f}")
    print("| embodiment | recon MSE | zeros MSE | mean-chunk MSE | jerk decoded | jerk data |")
    print("|---|---|---|---|---|---|")
    for name, m in res["per_embodiment"].items():
        print(f"| {name} | {m['recon_mse']:.4f} | {base[name]['zeros']:.4f} | "
              f"{base[name]['mean_chunk']:.4f} | {m['jerk_decoded']:.5f} | "
              f"{m['jerk_data']:.5f} |")
    a = res["all"]
    print(f"| all | {a['recon_mse']:.4f} | | | {a['jerk_decoded']:.5f} | {a['jerk_data']:.5f} |")
    print(f"latent picture: {out / 'latents.png'}")


if __name__ == "__main__":
    main()
