"""Chapter 3's analyses of the runs (Table 2's noise, the lambda grid, the study's choice), pinned by hand."""
import math

import pandas as pd
import pytest

import artlib.ablation as A
from artlib.train import matching_run


@pytest.fixture
def grid():
    # base: accuracy 0.70 / 0.72 / 0.74 (std 0.02); attention-less: 0.80 / 0.80 / 0.86 (std 0.034641)
    rows = []
    for variant, accs, rmses, aucs in [("base (paper)", (0.70, 0.72, 0.74), (0.40, 0.41, 0.42), (0.80, 0.82, 0.84)),
                                       ("-attention", (0.80, 0.80, 0.86), (0.43, 0.44, 0.45), (0.81, 0.81, 0.81))]:
        for seed, (a, r, u) in enumerate(zip(accs, rmses, aucs)):
            rows.append({"variant": variant, "seed": seed, "lam": 0.5, "accuracy": a, "rmse": r, "auc": u,
                         "spearman_spatial_neg": 0.1})
    return pd.DataFrame(rows)


def test_signal_to_noise_uses_the_larger_seed_std(grid):
    snr = A.signal_to_noise(grid)
    assert snr.loc["base (paper)", "accuracy"] == 0
    assert snr.loc["-attention", "accuracy"] == pytest.approx((0.82 - 0.72) / math.sqrt(0.0012))  # 2.887
    assert snr.loc["-attention", "rmse"] == pytest.approx(3.0)
    assert A.signal_to_noise(grid.assign(rmse=0.4)).loc["-attention", "rmse"] == 0  # no spread, no difference


def test_findings_and_signal_to_noise_agree(grid):
    (line,) = A.findings(grid)
    assert line == ("-attention: accuracy +0.100 (better), rmse +0.030 (worse) "
                    "against the base (paper) model")
    shifted = grid.assign(accuracy=grid["accuracy"] - (grid["variant"] == "-attention") * 0.04)  # 1.73 noise
    assert "accuracy +0.060 (within seed noise)" in A.findings(shifted)[0]
    assert abs(A.signal_to_noise(shifted).loc["-attention", "accuracy"]) < 2


def test_verdict_direction():
    assert A.verdict(0.1, 0.01) == "better" and A.verdict(0.1, 0.01, higher_is_better=False) == "worse"
    assert A.verdict(0.02, 0.01) == "within seed noise"


def test_lambda_table_takes_the_base_run_of_the_grid_seed(grid):
    extra = pd.DataFrame([{"variant": "lambda grid", "seed": 1, "lam": lam, "accuracy": 0.7, "rmse": 0.4, "auc": auc,
                           "spearman_spatial_neg": 0.1} for lam, auc in ((0.25, 0.78), (0.75, 0.83))])
    table = A.lambda_table(pd.concat([grid, extra]))
    assert list(table.index) == [0.25, 0.5, 0.75]
    assert table.loc[0.5, "auc"] == pytest.approx(0.82)  # the base model's seed-1 run
    noise = A.noise_summary(grid, table, paper_gap=0.009)
    assert noise["lam_spread"] == pytest.approx(0.05) and noise["auc_std"] == pytest.approx(0.02)
    assert noise["seed_std"] == pytest.approx(0.02)
    assert (noise["spread_vs_gap"], noise["lam_vs_seed"]) == ("larger", "larger")


def test_summarize_writes_mean_and_std(grid):
    s = A.summarize(grid)
    assert s.loc["base (paper)", "accuracy"] == "0.720 ± 0.020" and s.loc["base (paper)", "seeds"] == 3


def test_choose_keeps_the_best_content_then_prefers_placement():
    df = pd.DataFrame({"content_auc": [0.52, 0.50, 0.97, 0.965], "best_plausible": [0.1, 0.5, 0.44, 0.48],
                       "spatial_auc": [0.5, 0.99, 0.9, 0.9], "ascent_plausible": [0.1, 1.0, 0.9, 0.9]},
                      index=["paper (faithful)", "places best", "crop", "crop, grounded"])
    # "places best" has a content head at chance; of the two good content heads the better placer wins
    assert A.choose(df, content_tolerance=0.01) == "crop, grounded"
    assert A.choose(df, content_tolerance=0.001) == "crop"  # outside the noise: the best content head
    assert A.choose(df, content_tolerance=0.5) == "places best"  # a margin that admits everything
    with pytest.raises(ValueError, match="no variant has a content AUC"):
        A.choose(df.assign(content_auc=float("nan")))


def test_run_grid_with_a_stubbed_trainer(tmp_path, monkeypatch):
    """Every variant at every seed (a generator of seeds too), the lambda grid at the first seed."""
    from artlib.model import VerifierConfig
    from artlib.train import TrainConfig

    calls = []

    def fake_train(vcfg, tcfg, run, **kw):
        calls.append((vcfg, tcfg.seed, run))
        m = {k: 0.5 for k in A.METRICS}
        return {"test": m, "history": [{"seconds": 2.0}, {"seconds": 3.0}]}

    monkeypatch.setattr("artlib.ablation.table2.train", fake_train)
    base = VerifierConfig(encoder="test_resnet", image_size=32)
    df = A.run_grid(base, TrainConfig(data_dir="d"), tmp_path, ["base (paper)", "-attention"], (s for s in (3, 1)),
                    [0.25, 0.5], progress=False)
    assert sorted(zip(df["variant"], df["seed"])) == [("-attention", 1), ("-attention", 3), ("base (paper)", 1),
                                                      ("base (paper)", 3), ("lambda grid", 1)]
    assert df.loc[df["variant"] == "lambda grid", "lam"].tolist() == [0.25]
    assert (df["train_seconds"] == 5.0).all() and len({str(r) for _, _, r in calls}) == 5
    assert {v.attention for v, s, _ in calls if s == 3} == {"elementwise", "none"}
    assert (tmp_path / "ablation.json").is_file()
    with pytest.raises(ValueError, match="unknown variant 'bogus'"):
        A.run_grid(base, TrainConfig(data_dir="d"), tmp_path, ["bogus"], [0], [], progress=False)


def test_a_run_is_reused_only_with_the_same_settings(tmp_path, monkeypatch):
    """Chapter 2's run stands in for the study's faithful row only when run_diffs finds no difference."""
    import json

    from artlib.model import VerifierConfig
    from artlib.train import TrainConfig

    vcfg, tcfg = VerifierConfig(encoder="test_resnet", image_size=32), TrainConfig(data_dir="d", epochs=2, lr=1e-3)
    monkeypatch.setattr("artlib.train.run.dataset_identity", lambda d: "id-of-d")
    record = {"verifier_config": vcfg.to_dict(), "train_config": {**tcfg.__dict__, "device": "cuda"}, "dataset": "id-of-d"}
    (tmp_path / "metrics.json").write_text(json.dumps(record))
    assert matching_run(tmp_path, vcfg, tcfg) == tmp_path  # the device does not matter
    for vc, tc in ((vcfg, TrainConfig(data_dir="d", epochs=3, lr=1e-3)), (VerifierConfig(encoder="test_resnet"), tcfg)):
        assert matching_run(tmp_path, vc, tc) is None
    (tmp_path / "metrics.json").write_text(json.dumps({**record, "dataset": "another"}))
    assert matching_run(tmp_path, vcfg, tcfg) is None
    assert matching_run(None, vcfg, tcfg) is None
