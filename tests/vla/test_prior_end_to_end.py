"""The Idea A chain through the CLI with the debug presets: pretrain-prior, train flow+prior and
motion+flow+prior from it, resume mid-distillation, evaluate one episode, and the errors of a
prior that does not fit."""

import dataclasses
import json
from types import SimpleNamespace

import pytest
import torch
from torch.utils.data import Subset

from motionprior.cli import main
from motionprior.data.stats import Normalizer
from motionprior.errors import ConfigError
from motionprior.train import checkpoint as ckpt_io
from motionprior.vla import training
from motionprior.vla.config import preset
from motionprior.vla.data import load_vla_data

PAIR = "metaworld/reach-v3"


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    root = tmp_path_factory.mktemp("prior_e2e")
    assert main(["collect", "--suite", PAIR, "--demos", "2", "--out", str(root / "data"),
                 "--image-size", "32", "--quiet"]) == 0
    data = str(root / "data" / "metaworld_reach-v3")
    assert main(["label", data]) == 0
    assert main(["pretrain-prior", "--data", data, "--out", str(root / "prior"), "--preset",
                 "debug", "--no-progress"]) == 0
    return root, data


def train(root, data, name, *extra):
    return main(["train", "--data", data, "--out", str(root / name), "--preset", "debug",
                 "--no-progress", *extra])


def test_flow_prior_resumed_mid_distillation_equals_uninterrupted(chain, capsys):
    root, data = chain
    flags = ["--variant", "flow+prior", "--prior", str(root / "prior"),
             "--distill-steps", "4"]
    assert train(root, data, "whole", *flags, "--steps", "4") == 0
    out = capsys.readouterr().out
    assert "encoder (" in out and "frozen), decoder (" in out and "lr x0.1" in out
    step2 = root / "whole" / "checkpoints" / "step_00000002"
    run_cfg = json.loads((step2 / "config.json").read_text())
    assert run_cfg["prior"].endswith("step_00000020")
    assert run_cfg["model"]["transfer"]["distill_steps"] == 4
    # resume with the same configuration: a 4-step run killed after its step-2 checkpoint
    whole = root / "whole" / "checkpoints"
    assert train(root, data, "whole_again", *flags, "--steps", "4") == 0
    (root / "whole_again" / "checkpoints" / "step_00000004").rename(root / "dropped")
    assert train(root, data, "whole_again", *flags, "--steps", "4", "--resume") == 0
    a = ckpt_io.load_weights(whole / "step_00000004", ema=False)
    again = root / "whole_again" / "checkpoints" / "step_00000004"
    b = ckpt_io.load_weights(again, ema=False)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    metrics = (root / "whole" / "metrics.csv").read_text()
    assert "distill_weight" in metrics and "distill" in metrics
    prior = ckpt_io.load_weights(ckpt_io.resolve_checkpoint(root / "prior"), ema=True)
    # E never changed: the policy's copy equals the prior's
    enc = {k.removeprefix("encoder."): v for k, v in prior.items() if k.startswith("encoder.")}
    assert all(torch.equal(a[f"prior_encoder.{k}"], v) for k, v in enc.items())


def test_motion_flow_prior_trains_and_acts_closed_loop(chain, capsys, caplog):
    root, data = chain
    assert train(root, data, "mfp", "--variant", "motion+flow+prior", "--prior",
                 str(root / "prior"), "--no-decoder-reuse") == 0
    assert "decoder random (--no-decoder-reuse)" in capsys.readouterr().out
    ev = root / "eval_mfp"
    assert main(["eval", "--policy", str(root / "mfp"), "--suite", PAIR, "--episodes", "1",
                 "--out", str(ev), "--image-size", "32", "--max-steps", "10", "--workers", "1",
                 "--videos", "0", "--quiet"]) == 0
    summary = json.loads((ev / "summary.json").read_text())
    assert summary["pairs"][PAIR]["errors"] == 0
    # served: the ws:// client sends the executed steps (no warning of an empty history), so
    # the episode equals the in-process one (the episode files hold no actions: the exact
    # action equality is in tests/serve/test_history.py)
    from motionprior.serve.background import BackgroundServer, load_engine
    from motionprior.serve.config import ServeConfig

    engine = load_engine(root / "mfp")
    assert engine.metadata()["history_len"] == 8
    with BackgroundServer(engine, ServeConfig(port=0)) as srv:
        assert main(["eval", "--policy", srv.url, "--suite", PAIR, "--episodes", "1", "--out",
                     str(root / "eval_mfp_ws"), "--image-size", "32", "--max-steps", "10",
                     "--workers", "1", "--videos", "0", "--quiet"]) == 0
        assert srv.stats.errors == 0 and srv.stats.served >= 1
    assert not [r for r in caplog.records if "history token" in r.getMessage()]
    assert episodes(root / "eval_mfp_ws") == episodes(ev)


def episodes(out) -> list[dict]:
    files = sorted((out / "metaworld_reach-v3" / "episodes").glob("*.json"))
    assert files
    return [{k: v for k, v in json.loads(f.read_text()).items() if k != "seconds"}
            for f in files]


@pytest.mark.parametrize("extra, message", [
    (["--variant", "flow+prior"], "variant 'flow+prior' needs --prior DIR"),
    (["--variant", "flow", "--no-history"], "--no-history is for the +prior variants"),
    (["--variant", "flow", "--history-dropout", "0.5"],
     "--history-dropout is for the +prior variants"),
    (["--variant", "flow+prior", "--prior", "PRIOR", "--no-history", "--history-dropout", "0.5"],
     "history_dropout needs the history token; it contradicts history=False (--no-history)"),
    (["--variant", "flow+prior", "--prior", "PRIOR", "--history-dropout", "1"],
     "history_dropout must be in [0, 1), got 1.0"),
    (["--variant", "flow+prior", "--prior", "PRIOR", "--no-decoder-reuse", "--freeze-decoder"],
     "--freeze-decoder freezes the reused D; it contradicts --no-decoder-reuse"),
    (["--variant", "flow+prior", "--prior", "PRIOR", "--no-distill", "--distill-steps", "9"],
     "--no-distill contradicts"),
    (["--variant", "flow+prior", "--prior", "POLICY"], "holds a 'vla' checkpoint, not "
     "'action_prior'"),
    (["--variant", "flow+prior", "--prior", "WIDE"],
     "has latent_dim=64 but the policy's flow expert has latent_dim=16"),
])
def test_bad_priors_and_flags_are_one_line_errors(chain, capsys, extra, message):
    root, data = chain
    if not (root / "policy").exists():
        assert train(root, data, "policy", "--variant", "flow") == 0
        assert main(["pretrain-prior", "--data", data, "--out", str(root / "wide"),
                     "--steps", "2", "--batch-size", "8", "--no-progress"]) == 0
    names = {"PRIOR": root / "prior", "POLICY": root / "policy", "WIDE": root / "wide"}
    extra = [str(names.get(x, x)) for x in extra]
    capsys.readouterr()
    assert train(root, data, "bad", *extra) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_prior_statistics_must_cover_every_embodiment(chain):
    _, data = chain
    with pytest.raises(ConfigError, match=r"prior P has no statistics for embodiment "
                       r"'metaworld_sawyer' \(it knows none\); pretrain it with data of this"):
        load_vla_data([data], preset("debug", "flow+prior"), normalizer=Normalizer(),
                      normalizer_source="prior P")


def widened(normalizer: Normalizer, factor: float = 2.0) -> Normalizer:
    """The same statistics with every q01..q99 span `factor` times wider about its centre."""
    out = Normalizer()
    for key in normalizer.keys:
        for feature in ("action", "state"):
            s = normalizer.get(key, feature)
            mid, half = (s.q99 + s.q01) / 2, (s.q99 - s.q01) / 2 * factor
            out.add(key, feature, dataclasses.replace(s, q01=mid - half, q99=mid + half))
    return out


def test_validation_mse_is_reported_in_the_datas_own_units(chain, monkeypatch):
    """A +prior model works in its prior's units; its validation MSE is converted to the data's
    own, the units of every other arm. An error of 0.1 in units whose span is half the
    reference's is 0.05 in the reference's: MSE 0.0025 on every non-constant dim (a constant
    dim maps every value to 0). Spans 8 and 16 times the data's keep every value unclipped."""
    _, data = chain
    cfg = preset("debug", "flow")
    plain = load_vla_data([data], cfg)
    assert plain.reference is None and plain.own_normalizer is plain.normalizer
    loaded = load_vla_data([data], cfg, normalizer=widened(plain.normalizer, 8.0))
    assert loaded.own_normalizer is loaded.reference
    val = Subset(loaded.windows, loaded.val_indices.tolist())

    class Stub(torch.nn.Linear):  # generate() is replaced: truth + 0.1 everywhere
        cfg = SimpleNamespace(uses_motion=False)

    def off_by_a_tenth(model, batch, dims, generator):
        return SimpleNamespace(actions=batch["actions"][:, :16] + 0.1, motion=None)

    monkeypatch.setattr(training, "generate", off_by_a_tenth)
    model = Stub(1, 1)
    own = training.generation_validator(val)(model, 0)["action_mse"]
    reference = widened(plain.normalizer, 16.0)
    converted = training.generation_validator(val, reference=reference)(model, 0)
    stats = plain.normalizer.get(loaded.windows.tables[0].key, "action")
    moving = torch.from_numpy((stats.q99 - stats.q01) > 0)
    samples = list(val.indices)[:64] if len(val) <= 64 else None
    assert samples is not None, "the validator's batch is every validation sample here"
    mask = loaded.windows.__getitems__(samples)["action_mask"][:, :16, :len(moving)]
    share = float(mask[..., moving].sum() / mask.sum())
    assert own == pytest.approx(0.01, rel=1e-4)
    assert converted["action_mse"] == pytest.approx(0.0025 * share, rel=1e-3)
