"""Fingerprint: manifest hashes and trained-weight hashes for fixed seeds.

Same seed, same result: two datasets (both recipes) are built and three small verifiers (late,
map and early fusion) are trained for two epochs on CPU; the script prints the SHA-256 of each
manifest, of one source image and of each model's weights. Run it before and after a change
that must not change behaviour (the restructure of the library was checked this way) and
compare the JSON lines. About a minute on 2 cores.
Run: ``OMP_NUM_THREADS=1 python benchmarks/fingerprint.py``.
"""
import hashlib
import json
import tempfile
from pathlib import Path

from artlib.data import BuildConfig, build_dataset
from artlib.files import read_json, sha256_file
from artlib.model import VerifierConfig
from artlib.train import TrainConfig, load_checkpoint, train


def weights_hash(state: dict) -> str:
    h = hashlib.sha256()
    for k in sorted(state):
        h.update(k.encode())
        h.update(state[k].numpy().tobytes())
    return h.hexdigest()


def main() -> None:
    out = {}
    with tempfile.TemporaryDirectory() as d:
        for recipe in ("paper", "balanced"):
            root = Path(d) / recipe
            cfg = BuildConfig(n_sources=40, size=32, seed=11, recipe=recipe, background_mode="clean", shadow=True)
            build_dataset(root, cfg, progress=False)
            out[f"manifest {recipe}"] = sha256_file(root / "manifest.json")
            out[f"source 7 {recipe}"] = read_json(root / "sources" / "000007" / "meta.json")["sha256"]["image.png"]
        for fusion in ("late", "map", "early"):
            run = Path(d) / f"run_{fusion}"
            vcfg = VerifierConfig(encoder="test_resnet", image_size=32, spatial_fusion=fusion,
                                  head_hidden=16 if fusion == "map" else 0)
            tcfg = TrainConfig(data_dir=str(Path(d) / ("paper" if fusion == "late" else "balanced")), epochs=2,
                               batch_size=8, lr=1e-3, train_limit=48, val_limit=20, test_limit=20)
            train(vcfg, tcfg, run, progress=False, verbose=False)
            out[f"weights {fusion}"] = weights_hash(load_checkpoint(run / "checkpoint.pt")["model"])
    for k, v in out.items():
        print(f"{k:18s} {v}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
