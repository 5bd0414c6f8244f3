"""The numbers chapters 5 and 6 report, pinned on small hand-made inputs (selection, content, photo stages).

The verifier is replaced by stubs whose scores are known, so each measure is compared with its
formula computed here independently (scikit-learn's AUC, counts by hand).
"""
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score

from artlib import world
from artlib.compose import Placement, placement_box, render_foreground
from artlib.data import Kind
from artlib.evaluate import content as C
from artlib.evaluate import photo_stages as P
from artlib.evaluate import selection as S
from artlib.model import Context, Verifier, VerifierConfig
from artlib.select import GalleryIndex

TINY = VerifierConfig(encoder="test_resnet", image_size=32)


@pytest.fixture(scope="module")
def tiny_verifier():
    torch.manual_seed(0)
    return Verifier(TINY, world.WORLD_LABELS).eval()


def _split_ids(manifest, split="test"):
    from artlib.data import SPLITS

    return [s["index"] for s in manifest.sources if s["split"] == SPLITS.index(split)]


# ------------------------------------------------------------------------------------------- selection
def _oracle_scores(manifest, ids, places, own=2.0):
    """GalleryIndex.scores replaced: the own background ``own``, the compatible ones 1, the others 0."""
    calls = iter(range(10**6))

    def scores(self, verifier, fg):
        qi = next(calls) % len(ids)
        outfit = manifest.sources[ids[qi]]["outfit"]
        s = np.array([float(world.compatible(outfit, p)) for p in places])
        s[qi] = own
        return s

    return scores


def test_selection_with_a_verifier_that_knows_the_answer(small_manifest, tiny_verifier, monkeypatch):
    """Own background first, then the compatible ones: recall@1, MRR and precision@1 are 1,
    precision@2 the share the compatible backgrounds can fill; chance and the person-blind row
    are their formulas."""
    ids = _split_ids(small_manifest)
    places = [small_manifest.sources[i]["place"] for i in ids]
    monkeypatch.setattr(GalleryIndex, "scores", _oracle_scores(small_manifest, ids, places))
    df = S.selection_report({"oracle": (tiny_verifier, 0.0), "oracle, diverse": (tiny_verifier, 0.5)},
                            small_manifest, n_queries=len(ids), distractors=3, k=2)
    assert list(df.index) == ["chance", "person-blind", "oracle", "oracle, diverse"]
    for row in ("oracle", "oracle, diverse"):
        assert df.loc[row, "recall@1"] == 1.0 and df.loc[row, "MRR"] == 1.0 and df.loc[row, "precision@1"] == 1.0
    assert df.loc["chance", "recall@1"] == pytest.approx(1 / 4)
    assert df.loc["chance", "MRR"] == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4)
    want, chance, blind = [], [], []
    counts = S.person_blind_scores(places)
    for i in ids:
        fits = np.array([world.compatible(small_manifest.sources[i]["outfit"], p) for p in places])
        want.append(min(2, fits.sum()) / 2)  # its own place fits its outfit, then the other fitting ones
        chance.append(fits.mean())
        blind.append(roc_auc_score(fits, counts) if 0 < fits.sum() < len(fits) else np.nan)
    assert df.loc["oracle", "precision@2"] == pytest.approx(np.mean(want))
    assert df.loc["chance", "precision@2"] == pytest.approx(np.mean(chance))
    assert df.loc["person-blind", "content AUC"] == pytest.approx(np.nanmean(blind))
    assert df.loc["oracle", "content AUC"] > 0.99
    assert (df["kinds@2"] <= 2).all() and (df["fitting kinds@2"] <= df["kinds@2"] + 1e-9).all()


def test_person_blind_scores_count_the_outfits_that_fit():
    assert S.person_blind_scores(["street", "gym", "lakeside"]).tolist() == [3, 1, 3]
    assert S.person_blind_scores(["park"]).tolist() == [sum("park" in v for v in world.COMPATIBLE.values())]


def test_selection_with_a_verifier_that_ranks_the_own_background_last(small_manifest, tiny_verifier, monkeypatch):
    ids = _split_ids(small_manifest)
    calls = iter(range(len(ids)))

    def last(self, verifier, fg):
        s = np.linspace(2, 1, len(ids))  # no ties
        s[next(calls)] = 0.0
        return s

    monkeypatch.setattr(GalleryIndex, "scores", last)
    df = S.selection_report({"last": (tiny_verifier, 0.0)}, small_manifest, n_queries=len(ids), distractors=3, k=1)
    assert df.loc["last", "recall@1"] == 0.0 and df.loc["last", "MRR"] == pytest.approx(1 / 4)
    with pytest.raises(ValueError, match=r"k must be in \[1, 10\]"):
        S.selection_report({"last": (tiny_verifier, 0.0)}, small_manifest, k=0)


def test_retouch_report_judges_every_result_by_the_oracle(small_manifest, tiny_verifier):
    from artlib.adjust import AdjustConfig
    from artlib.data import scene_of

    rows, results = S.retouch_report(tiny_verifier, small_manifest, n_queries=2, top_k=2,
                                     cfg=AdjustConfig(method="grid", grid=(3, 3, 2), steps=1))
    assert len(rows) == 4 and len(results) == 2
    for (meta, fg, res), (_, group) in zip(results, rows.groupby("query", sort=False)):
        for r, (_, row) in zip(res, group.iterrows()):
            j = int(r.name.split("_")[0])
            assert row["compatible"] == world.compatible(meta["outfit"], small_manifest.sources[j]["place"])
            ok = world.plausible_mask(scene_of(small_manifest, j), r.placement.x, r.placement.y, r.placement.scale,
                                      aspect=fg.sprite.shape[1] / fg.sprite.shape[0])
            assert row["plausible"] == bool(ok)
    v = S.retouch_verdicts(rows)
    assert v["results"] == 4 and v["place fits the outfit"] == rows["compatible"].mean()
    assert v["both"] == (rows["compatible"] & rows["plausible"]).mean()
    assert v["kinds of place per person"] == np.mean([g["place"].nunique() for _, g in rows.groupby("query")])
    fails = S.failure_cases(rows, results, small_manifest, n=10)
    assert len(fails) == int((~(rows["compatible"] & rows["plausible"])).sum())
    assert all(text.startswith("#") and image.shape[-1] == 3 for image, text in fails)
    assert len(S.failure_cases(rows, results, small_manifest, n=1)) == min(1, len(fails))


# --------------------------------------------------------------------------------------------- content
class _RankByBackground(torch.nn.Module):
    """A stub verifier: the content score of a pair is the background's index (a fixed ranking)."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def encode_context(self, bg, parse, camera=None):
        return Context(torch.arange(len(bg), dtype=torch.float32)[:, None], torch.zeros(len(bg), 1))

    def score(self, fg, ctx, heads):
        return {"content": ctx.h_b[:, 0] / 100}


def test_content_report_against_the_formula(toy_query):
    from artlib.evaluate import fresh_queries

    qs = fresh_queries("val", 6, 32)
    df = C.content_report(_RankByBackground(), qs, batch_size=4)  # batches of 4: the report joins them
    places = [q.scene.place for q in qs]
    p = np.arange(len(qs)) / 100
    for q, (_, row) in zip(qs, df.iterrows()):
        fits = np.array([world.compatible(q.outfit, pl) for pl in places])
        assert row["chance"] == pytest.approx(fits.mean())
        top3 = fits[np.argsort(-p)[:3]].mean()
        assert row["top3_compatible"] == pytest.approx(top3)
        if 0 < fits.sum() < len(fits):
            assert row["auc"] == pytest.approx(roc_auc_score(fits, p))


def test_kind_means_and_their_intervals():
    pred = {"content": np.array([0.2, 0.4, 0.9, 0.7, 0.1]), "kind": np.array([0, 0, 1, 1, 2])}
    df = C.kind_means(pred, n_boot=200, seed=1)
    assert df.loc[Kind(0).label, "mean"] == pytest.approx(0.3) and df.loc[Kind(1).label, "mean"] == pytest.approx(0.8)
    assert df.loc[Kind(2).label, "mean"] == pytest.approx(0.1) == df.loc[Kind(2).label, "low"] == df.loc[Kind(2).label, "high"]
    assert 0.2 <= df.loc[Kind(0).label, "low"] <= 0.3 <= df.loc[Kind(0).label, "high"] <= 0.4
    assert df["samples"].tolist() == [2, 2, 1]


def test_noise_by_prediction_counts_and_means(small_manifest):
    s = small_manifest.samples
    neg = np.flatnonzero(s["kind"] == Kind.CONTENT_NEGATIVE)[:12]
    pos = np.flatnonzero(s["kind"] == Kind.POSITIVE)[:3]
    rows = np.concatenate([neg, pos])
    fits = np.array([world.compatible(small_manifest.sources[int(s["fg_source"][r])]["outfit"],
                                      small_manifest.sources[int(s["bg_source"][r])]["place"]) for r in neg])
    content = np.concatenate([np.where(fits, 0.8, 0.2), np.full(3, 0.5)])
    pred = {"rows": rows, "kind": s["kind"][rows], "content": content}
    df = C.noise_by_prediction(small_manifest, pred)
    assert df["content negatives"].tolist() == [int(fits.sum()), int((~fits).sum())]
    got = df["mean predicted P(consistent)"].tolist()
    assert (np.isnan(got[0]) if not fits.any() else got[0] == pytest.approx(0.8))
    assert (np.isnan(got[1]) if fits.all() else got[1] == pytest.approx(0.2))


# ------------------------------------------------------------------------------------ the photo stages
@pytest.fixture(scope="module")
def trials():
    rng = np.random.default_rng(0)
    bg = (rng.uniform(0, 1, (120, 160, 3)) * 255).astype(np.uint8)
    return P.paste_trials({"noise": bg}, per_background=2, seed=3)


def test_paste_trials_know_their_truth(trials):
    assert [t.name for t in trials] == ["noise-0", "noise-1"]
    for t in trials:
        H, W = t.alpha.shape
        ys, xs = np.nonzero(t.alpha > 0.5)
        x0, y0, x1, y1 = t.box
        assert x0 - 1.5 <= xs.min() and xs.max() + 1 <= x1 + 1.5 and y0 - 1.5 <= ys.min() and ys.max() + 1 <= y1 + 1.5
        assert t.image.shape == (H, W, 3) and t.background.shape == (H, W, 3)


def test_detection_recall_and_matte_quality_by_formula(trials, monkeypatch):
    from artlib.photos import Detection

    monkeypatch.setattr(P, "detect", lambda image, backend: [Detection(tuple(trials[0].box), 1.0)] if image is trials[0].image
                        else [Detection((0, 0, 5, 5), 1.0)])
    r = P.detection_recall(trials)
    assert r["recall"] == 0.5 and r["mean best IoU"] == pytest.approx(0.5)
    monkeypatch.setattr(P, "segment", lambda image, box, segmenter: (np.ones(image.shape[:2], bool), "test"))
    monkeypatch.setattr(P, "refine", lambda image, mask, box, backend: next(t.alpha for t in trials if t.image is image)
                        if image is trials[0].image else np.zeros(image.shape[:2], np.float32))
    m = P.matte_quality(trials)
    assert m["alpha IoU"] == pytest.approx(0.5) and m["alpha IoU (worst)"] == 0.0
    assert m["SAD / 1000"] == pytest.approx(trials[1].alpha.sum() / 1000 / 2)


def test_leak_on_photos_counts_hits(trials, monkeypatch):
    import artlib.inpaint as inpaint

    H, W = trials[0].alpha.shape
    truth = {id(t): t.box / [W, H, W, H] for t in trials}
    marker = np.zeros((1, 1, 3), np.float32)
    monkeypatch.setattr(P, "fill", lambda image, alpha, backend: marker)
    boxes = iter([truth[id(trials[0])], None, np.array([0.0, 0.0, 0.01, 0.01]), None])  # filled, clean, filled, clean
    monkeypatch.setattr(inpaint, "locate_hole", lambda bg: next(boxes))
    r = P.leak_on_photos(trials)
    assert r["found in filled backgrounds"] == 0.5 and r["found in the real backgrounds (false alarms)"] == 0.0


def test_parser_agreement_of_a_perfect_and_a_constant_parser(monkeypatch):
    scenes = [world.render_scene(world.PLACES[i % len(world.PLACES)], 32, np.random.default_rng([5, i])) for i in range(3)]
    exact = iter(s.labels for s in scenes)
    monkeypatch.setattr(P, "parse", lambda rgb: next(exact))
    r = P.parser_agreement(3, size=32)
    assert r.tolist() == [1.0, 1.0, 1.0]
    sky = world.LABELS.index("sky")
    monkeypatch.setattr(P, "parse", lambda rgb: np.full(rgb.shape[:2], sky, np.int64))
    r = P.parser_agreement(3, size=32)
    assert r["label agreement"] == pytest.approx(np.mean([np.mean(s.labels == sky) for s in scenes]))
    assert r["walkable agreement"] == pytest.approx(np.mean([np.mean(~world.WALKABLE[s.labels]) for s in scenes]))


def test_verifier_on_trials_scores_the_pasted_and_the_raised_person(trials, tiny_verifier, monkeypatch):
    from artlib.adjust import PlacementScorer

    monkeypatch.setattr(P, "parse", lambda bg, parser="classical": np.zeros(bg.shape[:2], np.uint8))
    df = P.verifier_on_trials(tiny_verifier, trials)
    assert list(df.index) == [t.name for t in trials]
    t = trials[0]
    H, W = t.alpha.shape
    ys, xs = np.nonzero(t.alpha > 0.05)
    x, y, s = (xs.min() + xs.max() + 1) / 2 / W, (ys.max() + 1) / H, (ys.max() + 1 - ys.min()) / H
    import cv2

    bg = cv2.resize(t.background, (32, 32), interpolation=cv2.INTER_AREA)
    sprite = np.concatenate([t.image / 255.0, t.alpha[..., None]], 2)[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    want = PlacementScorer(tiny_verifier, sprite.astype(np.float32), bg, np.zeros((32, 32), np.int64)).spatial(
        np.array([[x, y, s], [x, min(1 / 3, y), min(s, 0.3)]]))
    assert df.loc[t.name].tolist() == pytest.approx(want.tolist(), abs=1e-6)


def test_choose_diversity_keeps_precision_then_variety():
    sweep = pd.DataFrame({"precision@5": [0.99, 0.95, 0.91, 0.85], "fitting kinds@5": [1.9, 3.4, 3.6, 3.8]},
                         index=["0.00", "0.20", "0.30", "0.40"])
    assert S.choose_diversity(sweep, 5) == 0.3  # 0.40 has more kinds but loses precision
    assert S.choose_diversity(sweep, 5, min_precision=0.8) == 0.4
    assert S.choose_diversity(sweep, 5, min_precision=0.995) == 0.0  # none keeps it: the plain top k
    tie = pd.DataFrame({"precision@5": [0.99, 0.95, 0.93], "fitting kinds@5": [1.0, 3.0, 3.0]}, index=["0", "0.2", "0.4"])
    assert S.choose_diversity(tie, 5) == 0.2
