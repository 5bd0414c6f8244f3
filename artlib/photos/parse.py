"""Stage 4 of Section 3 on real photos: parse the background into the book's label set.

The paper parses backgrounds with a learned scene parser we cannot download. Backends:

* ``"classical"`` (default, scikit-image and numpy only): SLIC superpixels (Achanta et al.,
  2012), each labelled from its mean colour (HSV), its texture (the standard deviation of its
  grey levels) and its height in the photo, by the rules of :func:`classify_segment`, into the
  coarse classes sky, water, snow, sand, grass, tree, road, building, wall and path. **Fails
  on**: anything whose colour lies (a blue wall is sky or water, a white shirt snow, a brown
  table sand), indoor scenes (floors and walls are told apart only by height), night and
  strongly tinted photos, and small objects (superpixels are about 1/300 of the photo).
* ``ModelParser``: the user's own segmentation model from a **local file**: a TorchVision
  segmentation architecture's state dict (loaded with ``weights_only=True``) or an ONNX model
  (run by the optional ``onnxruntime``, ``pip install -e .[photos]``), checked against its
  SHA-256, with a JSON table mapping the model's classes to the book's labels. Nothing is ever
  downloaded; a missing file, another hash or an unknown label is a clear error. It fails
  where the model fails, and on classes its table does not map (they get the table's default).

Label ids are those of :data:`artlib.world.LABELS`.

Shown in chapter 6.
"""
from __future__ import annotations

import colorsys
import os
from pathlib import Path

import cv2
import numpy as np

from .. import world
from ..files import read_json, sha256_file
from ..compose import as_float_image
from .check import check_photo

__all__ = ["PARSERS", "ModelParser", "classify_segment", "parse", "parse_classical"]

LABEL_ID = world.LABEL_ID  # label ids by name


def classify_segment(rgb: np.ndarray, texture: float, y: float) -> str:
    """The label of one superpixel from its mean colour ``rgb`` (3 floats in [0, 1]), texture and height.

    ``y`` is the segment's mean height in the photo (0 top, 1 bottom); ``texture`` the standard
    deviation of its grey levels in [0, 1]. The rules, in order: bright low-saturation or blue
    smooth regions high up are sky; blue lower down is water; very bright low saturation low
    down is snow; green is tree (high or textured) or grass; yellow-brown low down is sand;
    grey low down is road; textured regions high up are buildings; the rest is wall above the
    middle and path below it.
    """
    h, s, v = colorsys.rgb_to_hsv(*np.clip(rgb, 0, 1))
    hue = h * 360
    blue, green, yellow = 180 <= hue <= 250, 60 <= hue < 170, 20 <= hue < 60
    if y < 0.55 and texture < 0.06 and ((blue and s > 0.1) or (s < 0.12 and v > 0.75)):
        return "sky"
    if blue and s > 0.2 and y >= 0.45:
        return "water"
    if y >= 0.5 and v > 0.85 and s < 0.1:
        return "snow"
    if green and s > 0.15:
        return "tree" if (y < 0.5 or texture > 0.09) else "grass"
    if yellow and 0.15 < s < 0.7 and v > 0.45 and y >= 0.5 and texture < 0.08:
        return "sand"
    if s < 0.15 and 0.2 < v < 0.75 and y >= 0.6 and texture < 0.06:
        return "road"
    if y < 0.6 and texture > 0.07:
        return "building"
    return "wall" if y < 0.5 else "path"


def parse_classical(image: np.ndarray, segments: int = 300, work_side: int = 256) -> np.ndarray:
    """Label ids ``(H, W)`` uint8 of an ``(H, W, 3)`` uint8 RGB photo (see :func:`classify_segment`)."""
    from skimage.segmentation import slic

    img = check_photo(image)
    H, W = img.shape[:2]
    f = min(1.0, work_side / max(H, W))
    small = cv2.resize(img, (max(1, round(W * f)), max(1, round(H * f))), interpolation=cv2.INTER_AREA) if f < 1 else img
    rgb = as_float_image(small, 3, "photo")
    seg = slic(rgb, n_segments=segments, compactness=10, start_label=0)
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    ys = np.broadcast_to((np.arange(seg.shape[0])[:, None] + 0.5) / seg.shape[0], seg.shape)
    lut = np.zeros(seg.max() + 1, np.uint8)
    for k in range(seg.max() + 1):
        m = seg == k
        if m.any():
            lut[k] = LABEL_ID[classify_segment(rgb[m].mean(0), float(gray[m].std()), float(ys[m].mean()))]
    labels = lut[seg]
    return cv2.resize(labels, (W, H), interpolation=cv2.INTER_NEAREST) if labels.shape != (H, W) else labels


class ModelParser:
    """The user's own segmentation model, from a local file, mapped to the book's labels.

    Args:
        path: an ``.onnx`` file, or a ``.pt`` / ``.pth`` state dict of ``arch``.
        sha256: the file's expected SHA-256 (checked before loading).
        label_map: a JSON file ``{"classes": {"<model class id>": "<book label>", ...},
            "default": "<book label>"}``; classes not listed get the default.
        arch: for a state dict, the name of a ``torchvision.models.segmentation`` builder
            (for example ``lraspp_mobilenet_v3_large``), built without any weights.
        input_size: the model's input side; photos are resized to it and the labels back.
        mean, std: input normalisation (ImageNet's by default).

    Raises:
        FileNotFoundError: a missing model or label-map file.
        ValueError: another hash, an unknown architecture or label, a malformed table.
    """

    def __init__(self, path: str | os.PathLike, sha256: str, label_map: str | os.PathLike, arch: str | None = None,
                 input_size: int = 512, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no such model file (models are only read from a local path)")
        got = sha256_file(self.path)
        if got != sha256:
            raise ValueError(f"{self.path}: SHA-256 {got} differs from the expected {sha256}")
        self.lut, self.default = _label_table(Path(label_map))
        self.input_size, self.mean, self.std = input_size, np.asarray(mean, np.float32), np.asarray(std, np.float32)
        self._run = self._onnx() if self.path.suffix == ".onnx" else self._torch(arch)

    def _torch(self, arch: str | None):
        import torch
        from torchvision.models import segmentation

        if not arch or not hasattr(segmentation, arch):
            raise ValueError(f"{self.path}: a state dict needs arch, a torchvision.models.segmentation builder, got {arch!r}")
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
            head = [k for k in state if k.endswith("weight") and state[k].ndim == 4][-1]
            model = getattr(segmentation, arch)(weights=None, weights_backbone=None, num_classes=int(state[head].shape[0]))
            model.load_state_dict(state)
        except Exception as exc:  # torch's texts are long and advise unsafe loading: one line naming the file
            raise ValueError(f"{self.path}: not a state dict of {arch} ({exc.__class__.__name__}); only tensors "
                             "are loaded from a model file") from None
        model.eval()

        def run(x: np.ndarray) -> np.ndarray:
            with torch.no_grad():
                return model(torch.from_numpy(x))["out"].numpy()
        return run

    def _onnx(self):
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ValueError("ONNX models need the optional onnxruntime package: pip install -e .[photos]") from exc
        sess = ort.InferenceSession(str(self.path), providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        return lambda x: sess.run(None, {name: x})[0]

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Label ids ``(H, W)`` uint8 of an ``(H, W, 3)`` uint8 RGB photo."""
        img = check_photo(image)
        H, W = img.shape[:2]
        x = as_float_image(cv2.resize(img, (self.input_size, self.input_size), interpolation=cv2.INTER_AREA), 3, "photo")
        x = ((x - self.mean) / self.std).transpose(2, 0, 1)[None].astype(np.float32)
        classes = self._run(x)[0].argmax(0)
        lab = np.where(classes < len(self.lut), self.lut[np.minimum(classes, len(self.lut) - 1)], self.default).astype(np.uint8)
        return cv2.resize(lab, (W, H), interpolation=cv2.INTER_NEAREST)


def _label_table(path: Path) -> tuple[np.ndarray, int]:
    """The model-class-to-label lookup table of a label-map file, and the default label id."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("classes"), dict) or data.get("default") not in LABEL_ID:
        raise ValueError(f"{path}: expected {{\"classes\": {{\"<id>\": \"<label>\"}}, \"default\": \"<label>\"}} "
                         f"with labels among {list(world.LABELS)}")
    bad = {k: v for k, v in data["classes"].items() if v not in LABEL_ID or not str(k).isdigit()}
    if bad:
        raise ValueError(f"{path}: unknown labels or class ids {bad}; labels must be among {list(world.LABELS)}")
    n = 1 + max((int(k) for k in data["classes"]), default=0)
    lut = np.full(n, LABEL_ID[data["default"]], np.uint8)
    for k, v in data["classes"].items():
        lut[int(k)] = LABEL_ID[v]
    return lut, LABEL_ID[data["default"]]


PARSERS = {"classical": parse_classical}


def parse(image: np.ndarray, backend: str | ModelParser = "classical") -> np.ndarray:
    """Label ids ``(H, W)`` uint8 of a photo, by a named backend or a :class:`ModelParser`."""
    if isinstance(backend, ModelParser):
        return backend(image)
    if backend not in PARSERS:
        raise ValueError(f"parser must be one of {sorted(PARSERS)} or a ModelParser, got {backend!r}")
    return PARSERS[backend](image)
