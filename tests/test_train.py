"""Training: determinism, resume, checkpoints, learning, and torchrun with two CPU processes."""
import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch

from artlib.dataset import BuildConfig, build_dataset
from artlib.model import VerifierConfig
from artlib.train import TrainConfig, load_checkpoint, load_verifier, train
from conftest import ROOT

TINY = VerifierConfig(encoder="test_resnet", image_size=32)


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("train_ds")
    build_dataset(root, BuildConfig(n_sources=20, size=32, seed=1), progress=False)
    return str(root)


def _cfg(data, **kw):
    return TrainConfig(data_dir=data, epochs=2, batch_size=8, lr=1e-3, train_limit=32, test_limit=24, **kw)


def test_metrics_and_files(tmp_path, tiny_data):
    res = train(TINY, _cfg(tiny_data), tmp_path, progress=False)
    fin = res["final"]
    for k in ("accuracy", "auc", "balanced_accuracy", "rmse", "rmse_mean_baseline", "spearman_spatial_neg"):
        assert np.isfinite(fin[k]), k
    assert 0 <= fin["accuracy"] <= 1 and 0 <= fin["rmse"] <= 1
    assert json.loads((tmp_path / "metrics.json").read_text())["final"] == fin
    pred = np.load(tmp_path / "predictions.npz")
    assert len(pred["content"]) == 20  # test_limit 24 > the 4 test sources x 5 samples
    assert len(res["history"]) == 2


def test_same_seed_same_result_and_resume_matches_uninterrupted(tmp_path, tiny_data):
    full = train(TINY, _cfg(tiny_data), tmp_path / "full", progress=False)
    again = train(TINY, _cfg(tiny_data), tmp_path / "again", progress=False)
    assert full["final"]["rmse"] == again["final"]["rmse"]
    # stop after one epoch, then resume to two
    train(TINY, replace(_cfg(tiny_data), epochs=1), tmp_path / "resumed", progress=False)
    resumed = train(TINY, _cfg(tiny_data), tmp_path / "resumed", progress=False)
    a = load_checkpoint(tmp_path / "full" / "checkpoint.pt")["model"]
    b = load_checkpoint(tmp_path / "resumed" / "checkpoint.pt")["model"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert resumed["final"]["rmse"] == full["final"]["rmse"]
    # a finished run is read back, not trained again
    mtime = (tmp_path / "full" / "checkpoint.pt").stat().st_mtime_ns
    train(TINY, _cfg(tiny_data), tmp_path / "full", progress=False)
    assert (tmp_path / "full" / "checkpoint.pt").stat().st_mtime_ns == mtime


def test_checkpoint_refuses_another_config(tmp_path, tiny_data):
    train(TINY, replace(_cfg(tiny_data), epochs=1), tmp_path, progress=False)
    with pytest.raises(ValueError, match=r"checkpoint configuration does not match: attention"):
        train(replace(TINY, attention="none"), _cfg(tiny_data), tmp_path, progress=False)
    with pytest.raises(ValueError, match=r"lr: checkpoint 0.001 != requested 0.01"):
        load_checkpoint(tmp_path / "checkpoint.pt", TINY, replace(_cfg(tiny_data), lr=0.01))
    model = load_verifier(tmp_path / "checkpoint.pt")
    assert not model.training and model.config == TINY


def test_bad_checkpoint_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "none.pt")
    (tmp_path / "bad.pt").write_bytes(b"garbage")
    with pytest.raises(ValueError, match=r"bad\.pt: not a readable checkpoint"):
        load_checkpoint(tmp_path / "bad.pt")
    torch.save({"model": {}}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not an artlib checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


@pytest.mark.slow
def test_torchrun_two_cpu_processes(tmp_path, tiny_data):
    torchrun = os.path.join(os.path.dirname(sys.executable), "torchrun")
    cmd = [torchrun, "--standalone", "--nproc_per_node", "2", "-m", "artlib", "train", "--out", str(tmp_path),
           "--data-dir", tiny_data, "--encoder", "test_resnet", "--image-size", "32", "--epochs", "1",
           "--batch-size", "8", "--train-limit", "32", "--test-limit", "24", "--quiet"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    res = json.loads((tmp_path / "metrics.json").read_text())
    assert res["world_size"] == 2
    # 32 samples, batch 8 per process, 2 processes: 2 steps of 16 samples
    assert res["history"][0]["samples_per_s"] > 0 and np.isfinite(res["final"]["rmse"])
    load_verifier(tmp_path / "checkpoint.pt")
