"""Reading and writing the book's files safely: validated images, atomic writes, hashes, locks.

Every reader names the file and the problem when the input is bad (a corrupt or truncated
image, the wrong number of channels, a 16-bit image, an empty alpha); an image's header is
checked before its pixels are read. Every writer writes a temporary file in the same folder and
renames it over the target, so a killed job never leaves a half-written file behind, and a
failed write (a full disk, a read-only folder) names the file. :func:`check_outputs` refuses an
output path that is one of a command's inputs; :func:`folder_lock` keeps two commands from
writing one folder at once.

Used by every chapter; its promises are the README's "What can go wrong".
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["ImageFileError", "LOCK_NAME", "MAX_PIXELS", "atomic_write_bytes", "atomic_write_json", "check_outputs",
           "check_regular_file", "encode_png", "folder_lock", "json_safe", "read_image", "read_json", "read_photo",
           "same_path", "sha256_bytes", "sha256_file", "shown", "torch_load", "torch_load_error", "write_png"]


def shown(text: str | os.PathLike) -> str:
    """A path or name as text that can always be printed or drawn: bytes of a file name that are
    not valid UTF-8 (kept by Python as surrogates) become the replacement character U+FFFD."""
    return os.fsdecode(text).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def check_regular_file(path: str | os.PathLike, what: str = "file") -> Path:
    """``path`` if it is a regular file (after links); a FIFO, device or folder is refused, since
    reading one could hang or read without end.

    Raises:
        FileNotFoundError: no such file (or a broken link, or a link loop).
        ValueError: not a regular file.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError:
        raise FileNotFoundError(f"{shown(path)}: no such {what}") from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "not a regular file"
        raise ValueError(f"{shown(path)}: is {kind}, not a {what}")
    return path


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
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:  # a full disk or a read-only folder: name the file, not only the errno
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, f"{path}: cannot write ({exc.strerror or exc})") from exc
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def json_safe(obj: Any) -> Any:
    """``obj`` with every non-finite float (NaN, infinity) replaced by ``None``, so it is valid JSON.

    A measure that is undefined (the AUC of a split with one class) is written as ``null``, not as
    the bare ``NaN`` that JSON readers other than Python's refuse. Tuples become lists.
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.floating):
        return json_safe(float(obj))
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically; non-finite floats become ``null`` (:func:`json_safe`)."""
    atomic_write_bytes(path, (json.dumps(json_safe(obj), indent=1, sort_keys=False, allow_nan=False) + "\n").encode())


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


def _png_bit_depth(head: bytes) -> int | None:
    """Bits per channel from a PNG's IHDR chunk (PIL silently reduces 16-bit colour to 8 bits);
    ``head`` is the file's first bytes (25 are enough)."""
    if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) > 24 and head[12:16] == b"IHDR":
        return head[24]
    return None


#: PIL modes of more than 8 bits per channel.
_DEEP_MODES = ("I", "I;16", "I;16B", "I;16L", "F")


def _head(path: Path, n: int = 32) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def _decode(path: Path, size: tuple[int, int] | None = None, sha256: str | None = None) -> Image.Image:
    """The image in the file ``path``, decoded only after its header is checked: at most
    :data:`MAX_PIXELS`, ``size`` ``(H, W)`` when given, and the file's bytes hashing to ``sha256``
    when given. The pixels are read last, so a huge or foreign file costs a header read."""
    try:
        with Image.open(path) as im:  # reads the header only
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise ImageFileError(f"{path}: {w} x {h} pixels is larger than the {MAX_PIXELS:,} this book reads")
            if size is not None and (h, w) != tuple(size):
                raise ImageFileError(f"{path}: expected size {tuple(size)}, got {(h, w)}")
            if sha256 is not None and sha256_file(path) != sha256:
                raise ImageFileError(f"{path}: content does not match the manifest's hash (changed or corrupt)")
            im.load()
            return im.copy()
    except ImageFileError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageFileError(f"{path}: larger than the {MAX_PIXELS:,} pixels this book reads ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageFileError(f"{path}: not a readable image (corrupt or truncated): {exc}") from exc


def read_image(path: str | os.PathLike, mode: str, size: tuple[int, int] | None = None,
               sha256: str | None = None) -> np.ndarray:
    """Read an 8-bit image and check it, returning uint8 ``(H, W)`` for ``L``, else ``(H, W, C)``.

    The header is checked before the pixels are decoded: a file larger than :data:`MAX_PIXELS`
    or of another size than ``size`` is refused without reading it whole.

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
    if (bits := _png_bit_depth(_head(path))) not in (None, 8):
        raise ImageFileError(f"{path}: expected an 8-bit {mode} image, got a {bits}-bit PNG")
    im = _decode(path, size, sha256)
    got, arr = im.mode, np.asarray(im)
    if arr.dtype != np.uint8 or got in _DEEP_MODES:
        raise ImageFileError(f"{path}: expected an 8-bit {mode} image, got mode {got} ({arr.dtype})")
    if got != mode:
        raise ImageFileError(f"{path}: expected an 8-bit {mode} image, got mode {got}")
    if mode == "RGBA" and int(arr[..., 3].max(initial=0)) == 0:
        raise ImageFileError(f"{path}: the alpha channel is empty (fully transparent image)")
    return arr


def read_photo(path: str | os.PathLike) -> tuple[np.ndarray, str]:
    """Read a photo of any common format as ``(H, W, 3)`` uint8 RGB, upright; also returns its original mode.

    Unlike :func:`read_image`, a grayscale, palette, CMYK or RGBA photo is converted to RGB (the
    mode is returned so a report can say so), and a photo whose EXIF orientation tag says the
    camera was turned (phones write one) is turned upright; a 16-bit photo, a corrupt file or one
    larger than :data:`MAX_PIXELS` (checked from the header) is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageFileError(f"{path}: no such photo")
    if (bits := _png_bit_depth(_head(path))) not in (None, 8):
        raise ImageFileError(f"{path}: a {bits}-bit PNG; save the photo with 8 bits per channel")
    im = _decode(path)
    if im.mode in _DEEP_MODES:
        raise ImageFileError(f"{path}: a {im.mode} (16-bit or float) photo; save it with 8 bits per channel")
    mode = im.mode
    try:
        im = ImageOps.exif_transpose(im)
    except (OSError, ValueError, SyntaxError):  # a broken EXIF block: keep the pixels as stored
        pass
    return np.ascontiguousarray(np.asarray(im.convert("RGB"))), mode


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file, naming the file when it is missing or malformed."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        check_regular_file(path, "JSON file")
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{shown(path)}: no such file") from exc
    except IsADirectoryError as exc:
        raise ValueError(f"{shown(path)}: is a folder, not a JSON file") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON (not UTF-8 text: {exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from exc


def torch_load_error(path: str | os.PathLike, exc: BaseException, what: str) -> ValueError:
    """A one-line error for a file ``torch.load(..., weights_only=True)`` refused.

    torch's own texts run to many lines and advise loading with ``weights_only=False``, which
    could run code from the file: never. A file holding Python objects other than tensors and
    plain values is named as such; anything else as unreadable (corrupt, truncated, foreign).
    """
    text = str(exc)
    low = text.lower()
    if "unsupported global" in low or "can still be loaded" in low or "was not an allowed global" in low:
        return ValueError(f"{shown(path)}: not an artlib {what}: it holds Python objects other than tensors and plain "
                          "values, which are never loaded (they could run code)")
    if "weights only load failed" in low:
        kind = "corrupt, truncated, a plain pickle or not a torch file"
    else:
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        kind = f"{exc.__class__.__name__}: {first}"
    return ValueError(f"{shown(path)}: not a readable {what} ({kind})")


def torch_load(path: str | os.PathLike, what: str) -> Any:
    """``torch.load(path, weights_only=True)`` on the CPU, with one-line errors naming ``path``.

    Only a regular file is read (a FIFO would hang); torch's warnings about a file's pickle
    protocol are silenced, since the error (or the checks of the caller) say what is wrong.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a regular file, or unreadable (:func:`torch_load_error`).
    """
    import warnings

    import torch

    path = check_regular_file(path, what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for bad files; its text advises unsafe loading
        raise torch_load_error(path, exc, what) from None


def same_path(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two paths name one file or folder (after resolving links, ``..`` and relative parts)."""
    a, b = Path(a), Path(b)
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _inside(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether ``a`` lies strictly inside the folder ``b`` (after resolving links and ``..``)."""
    a, b = Path(a).resolve(), Path(b).resolve()
    return a != b and a.is_relative_to(b)


def check_outputs(outputs: dict[str, str | os.PathLike | None], inputs: dict[str, str | os.PathLike | None]) -> None:
    """Refuse an output path that is an input path, holds one or lies inside one, or is another
    output path, before anything is written.

    ``outputs`` and ``inputs`` map the option that named a path (``"--out"``) to the path (or
    ``None`` for an option not given). Outputs are files or folders a command writes; inputs
    are files or folders it reads.

    Raises:
        ValueError: naming both options and the path.
    """
    given_out = [(k, v) for k, v in outputs.items() if v is not None]
    given_in = [(k, v) for k, v in inputs.items() if v is not None]
    for i, (name, out) in enumerate(given_out):
        for other, inp in given_in:
            if same_path(out, inp):
                raise ValueError(f"{name} {shown(out)}: is the input {other} {shown(inp)}; writing there would overwrite "
                                 "it, choose another path")
            if _inside(inp, out):
                raise ValueError(f"{name} {shown(out)}: holds the input {other} {shown(inp)}; an output folder may not "
                                 "contain what the command reads, choose another path")
            if _inside(out, inp):
                raise ValueError(f"{name} {shown(out)}: lies inside the input {other} {shown(inp)}; writing there would "
                                 "change it, choose another path")
        for other, out2 in given_out[i + 1:]:
            if same_path(out, out2):
                raise ValueError(f"{name} {out} and {other} {out2} are one path; each output needs its own")


#: The lock file :func:`folder_lock` creates in the folder it guards.
LOCK_NAME = ".artlib.lock"


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike, what: str = "command") -> Iterator[Path]:
    """Hold an exclusive lock on an output folder while a command writes it (created if needed).

    A second command that asks for the same folder while the first holds it is refused at once
    (it does not wait). The lock is the operating system's (``flock``): a killed process
    releases it, so a stale lock file never blocks a re-run.

    Raises:
        ValueError: another process holds the folder's lock.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder}: exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fh = open(folder / LOCK_NAME, "a+b")
    except OSError as exc:
        raise OSError(exc.errno, f"{folder}: cannot write there ({exc.strerror or exc})") from exc
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = " ".join(fh.read(200).decode("utf-8", "replace").split()) or "artlib command"
            raise ValueError(f"{shown(folder)}: {holder} is writing this folder right now (refused: artlib {what}); "
                             "wait for it to finish or choose another folder") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"artlib {what} (process {os.getpid()})".encode())
        fh.flush()
        yield folder
    finally:
        fh.close()  # closing releases the lock
