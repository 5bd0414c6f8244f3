"""Reading and writing the book's files safely: validated images, atomic writes, hashes.

Every reader names the file and the problem when the input is bad (a corrupt or truncated
image, the wrong number of channels, a 16-bit image, an empty alpha). Every writer writes a
temporary file in the same folder and renames it over the target, so a killed job never
leaves a half-written file behind.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError


class ImageFileError(ValueError):
    """An image file that cannot be used, with the file and the reason in the message."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file + rename in the same folder).

    The file gets the mode a plain ``open(path, "w")`` would give it (``0o666`` less the umask),
    not the private mode of the temporary file.
    """
    path = Path(path)
    if path.parent.exists() and not path.parent.is_dir():
        raise ValueError(f"{path.parent}: exists and is not a folder; cannot write {path.name} there")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    atomic_write_bytes(path, (json.dumps(obj, indent=1, sort_keys=False) + "\n").encode())


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def encode_png(array: np.ndarray) -> bytes:
    """Encode ``(H, W)`` labels/gray or ``(H, W, 3|4)`` uint8 (or float in [0, 1]) as PNG."""
    a = np.asarray(array)
    if np.issubdtype(a.dtype, np.floating):
        a = np.clip(np.round(a * 255.0), 0, 255).astype(np.uint8)
    if a.dtype != np.uint8:
        raise ValueError(f"can only write uint8 or float images, got {a.dtype}")
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))):
        raise ValueError(f"cannot write an image of shape {a.shape}")
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def write_png(path: str | os.PathLike, array: np.ndarray) -> str:
    """Write an image atomically as PNG; returns the SHA-256 of the bytes written."""
    data = encode_png(array)
    atomic_write_bytes(path, data)
    return sha256_bytes(data)


_EXPECT = {"RGB": 3, "RGBA": 4, "L": 1}
#: The largest image read (pixels); larger files are refused from their header, before decoding.
MAX_PIXELS = 25_000_000


def _png_bit_depth(data: bytes) -> int | None:
    """Bits per channel from a PNG's IHDR chunk (PIL silently reduces 16-bit colour to 8 bits)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 24 and data[12:16] == b"IHDR":
        return data[24]
    return None


#: PIL modes of more than 8 bits per channel.
_DEEP_MODES = ("I", "I;16", "I;16B", "I;16L", "F")


def _decode(path: Path, data: bytes, size: tuple[int, int] | None = None) -> Image.Image:
    """The image in ``data`` (the bytes of ``path``), decoded only after its header is checked:
    at most :data:`MAX_PIXELS`, and ``size`` ``(H, W)`` when given."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise ImageFileError(f"{path}: {w} x {h} pixels is larger than the {MAX_PIXELS:,} this book reads")
            if size is not None and (h, w) != tuple(size):
                raise ImageFileError(f"{path}: expected size {tuple(size)}, got {(h, w)}")
            im.load()
            return im.copy()
    except Image.DecompressionBombError as exc:
        raise ImageFileError(f"{path}: larger than the {MAX_PIXELS:,} pixels this book reads ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ImageFileError(f"{path}: not a readable image (corrupt or truncated): {exc}") from exc


def read_image(path: str | os.PathLike, mode: str, size: tuple[int, int] | None = None,
               sha256: str | None = None) -> np.ndarray:
    """Read an 8-bit image and check it, returning uint8 ``(H, W)`` for ``L``, else ``(H, W, C)``.

    The header is checked before the pixels are decoded: a file larger than :data:`MAX_PIXELS`
    or of another size than ``size`` is refused without decoding it.

    Args:
        path: the file.
        mode: ``"RGB"``, ``"RGBA"`` or ``"L"`` (labels / gray); no silent conversion
            between them, because a grayscale file where a colour one was expected is a
            sign of a wrong file.
        size: expected ``(H, W)``, if any.
        sha256: expected SHA-256 of the file's bytes, if any (a manifest's record).

    Raises:
        ImageFileError: missing, corrupt or truncated file, content other than the expected
            hash, wrong mode or bit depth, wrong or too large size, or an RGBA image whose
            alpha is empty.
    """
    path = Path(path)
    if mode not in _EXPECT:
        raise ValueError(f"mode must be one of {sorted(_EXPECT)}, got {mode!r}")
    if not path.is_file():
        raise ImageFileError(f"{path}: no such image file")
    data = path.read_bytes()
    if sha256 is not None and sha256_bytes(data) != sha256:
        raise ImageFileError(f"{path}: content does not match the manifest's hash (changed or corrupt)")
    if (bits := _png_bit_depth(data)) not in (None, 8):
        raise ImageFileError(f"{path}: expected an 8-bit {mode} image, got a {bits}-bit PNG")
    im = _decode(path, data, size)
    got, arr = im.mode, np.asarray(im)
    if arr.dtype != np.uint8 or got in _DEEP_MODES:
        raise ImageFileError(f"{path}: expected an 8-bit {mode} image, got mode {got} ({arr.dtype})")
    if got != mode:
        raise ImageFileError(f"{path}: expected an 8-bit {mode} image, got mode {got}")
    if mode == "RGBA" and int(arr[..., 3].max(initial=0)) == 0:
        raise ImageFileError(f"{path}: the alpha channel is empty (fully transparent image)")
    return arr


def read_photo(path: str | os.PathLike) -> tuple[np.ndarray, str]:
    """Read a photo of any common format as ``(H, W, 3)`` uint8 RGB; also returns its original mode.

    Unlike :func:`read_image`, a grayscale, palette, CMYK or RGBA photo is converted to RGB (the
    mode is returned so a report can say so); a 16-bit photo, a corrupt file or one larger than
    :data:`MAX_PIXELS` (checked from the header) is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageFileError(f"{path}: no such photo")
    data = path.read_bytes()
    if (bits := _png_bit_depth(data)) not in (None, 8):
        raise ImageFileError(f"{path}: a {bits}-bit PNG; save the photo with 8 bits per channel")
    im = _decode(path, data)
    if im.mode in _DEEP_MODES:
        raise ImageFileError(f"{path}: a {im.mode} (16-bit or float) photo; save it with 8 bits per channel")
    return np.ascontiguousarray(np.asarray(im.convert("RGB"))), im.mode


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file, naming the file when it is missing or malformed."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{path}: no such file") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from exc
