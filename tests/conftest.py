"""Shared fixtures: a small dataset built once per test session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def small_config():
    from artlib.data import BuildConfig

    return BuildConfig(n_sources=30, size=32, seed=3, background_mode="clean")


@pytest.fixture(scope="session")
def small_manifest(tmp_path_factory, small_config):
    from artlib.data import build_dataset

    return build_dataset(tmp_path_factory.mktemp("ds"), small_config, progress=False)


class ToyVerifier:
    """A stand-in for a trained verifier with a known optimum, for testing searches.

    Its spatial score is a smooth bump around a target placement, computed from the rendered
    foreground's alpha (centroid and mass), so it is differentiable through the paste like the
    real verifier; its content score is the mean alpha. It has the interface
    :class:`artlib.adjust.PlacementScorer` uses (``encode_context``, ``score``, ``n_labels``).
    """

    def __new__(cls, target, sprite, canvas_hw, width=0.05):
        import torch

        from artlib.compose import render_foreground
        from artlib.model import Context

        class _Toy(torch.nn.Module):
            n_labels = len(__import__("artlib.world", fromlist=["LABELS"]).LABELS)

            def __init__(self):
                super().__init__()
                self.dummy = torch.nn.Parameter(torch.zeros(1))
                a = torch.from_numpy(render_foreground(sprite, target, canvas_hw)[..., 3])
                self.target = self._stats(a[None])[0]
                self.width = width

            @staticmethod
            def _stats(alpha):
                H, W = alpha.shape[-2:]
                ys = (torch.arange(H, dtype=alpha.dtype) + 0.5) / H
                xs = (torch.arange(W, dtype=alpha.dtype) + 0.5) / W
                m = alpha.sum((1, 2)).clamp_min(1e-6)
                cx = (alpha.sum(1) * xs).sum(1) / m
                cy = (alpha.sum(2) * ys).sum(1) / m
                return torch.stack([cx, cy, torch.log(m)], 1)

            def encode_context(self, bg, parse, camera=None):
                n = bg.shape[0]
                return Context(torch.zeros(n, 1), torch.zeros(n, 1))

            def score(self, fg, ctx, heads=("content", "spatial")):
                st = self._stats(fg[:, 3])
                d = ((st[:, :2] - self.target[:2]) ** 2).sum(1) / self.width**2 + (st[:, 2] - self.target[2]) ** 2 / 0.5
                out = {}
                if "spatial" in heads:
                    out["spatial"] = torch.exp(-d) + 0 * self.dummy
                if "content" in heads:
                    out["content"] = fg[:, 3].mean((1, 2))
                return out

        return _Toy()


@pytest.fixture(scope="session")
def toy_query():
    """A world scene and its person: ``(sprite, background, parse, scene, true placement)``."""
    from artlib import world

    ws = world.make_world_sample(1_000_003, 1, 48)
    return ws.sprite, ws.scene.background, ws.scene.labels.astype("int64"), ws.scene, ws.placement


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    """Run every chapter in order under the ci profile, into temporary folders (once per test session)."""
    from artlib.chapters import CHAPTERS, run_chapter

    out = tmp_path_factory.mktemp("executed")
    work = tmp_path_factory.mktemp("work")
    data, balanced, grounded, runs = str(work / "data"), str(work / "balanced"), str(work / "grounded"), work / "runs"
    choice, paper_run = str(runs / "choice.json"), str(runs / "verifier")
    overrides = {
        "01_dataset": {"data_dir": data, "balanced_dir": balanced, "grounded_dir": grounded},
        "02_verifier": {"data_dir": data, "run_dir": paper_run},
        "03_ablation": {"data_dir": data, "balanced_dir": balanced, "grounded_dir": grounded,
                        "run_dir": str(runs / "ablation"),
                        "study_dir": str(runs / "study"), "paper_run": paper_run, "choice": choice},
        "04_adjustment": {"data_dir": data, "choice": choice, "paper_run": paper_run, "map_dir": str(runs / "maps")},
        "05_retouch": {"data_dir": data, "choice": choice, "paper_run": paper_run},
        "06_photos": {"choice": choice, "paper_run": paper_run, "work_dir": str(runs / "photos")},
    }
    assert set(overrides) == set(CHAPTERS)
    paths = {"data": work / "data", "runs": runs, "out": out, "overrides": overrides}
    for chapter in CHAPTERS:
        paths[chapter] = run_chapter(chapter, "ci", out, overrides=overrides[chapter], root=ROOT)
    return paths


@pytest.fixture(scope="module")
def retouch_setup(tmp_path_factory):
    """A world gallery of 6 backgrounds at 32 px, a cut-out of a person and an untrained tiny checkpoint
    (one per test module: modules that damage the gallery's index do not meet)."""
    import torch

    from artlib.cli import main
    from artlib.model import Verifier, VerifierConfig
    from artlib.train import TrainConfig, save_checkpoint
    from artlib.world import WORLD_LABELS

    root = tmp_path_factory.mktemp("retouch")
    assert main(["export-gallery", "--out", str(root / "gallery"), "--n", "6", "--size", "32", "--cutouts", "1",
                 "--quiet"]) == 0
    torch.manual_seed(0)
    model = Verifier(VerifierConfig(encoder="test_resnet", image_size=32), WORLD_LABELS)
    save_checkpoint(root / "ckpt.pt", model, None, 1, TrainConfig(data_dir="x", lr=1e-3), [])
    cutout = next((root / "gallery" / "cutouts").glob("*.png"))
    return root, cutout
