"""Load the MNIST IDX files shipped in ``assets/mnist``, parsed with numpy and checked by MD5.

MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0.
"""
from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path

import numpy as np

from playground.paths import MNIST_DIR
from playground.i18n import _

IMAGE_MAGIC = 0x00000803
LABEL_MAGIC = 0x00000801

FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# MD5 of the uncompressed contents: the canonical values of the original distribution.
CANONICAL_MD5: dict[str, str] = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}


class MnistFileError(ValueError):
    """A missing, truncated or corrupt MNIST file; the message names the file."""


def read_idx_bytes(path: Path) -> bytes:
    """Return the uncompressed bytes of an IDX file (``.gz`` or plain)."""
    if not path.exists():
        raise MnistFileError(_("MNIST file {path} is missing. Copy the four IDX .gz files into {folder}.").format(
            path=path, folder=path.parent))
    try:
        raw = path.read_bytes()
        return gzip.decompress(raw) if path.suffix == ".gz" else raw
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise MnistFileError(_("MNIST file {path} is truncated or corrupt ({error}).").format(
            path=path, error=err)) from None


def parse_idx(data: bytes, expected_magic: int, name: str) -> np.ndarray:
    """Parse IDX bytes (big-endian header, uint8 payload) into an array; errors name ``name``."""
    if len(data) < 8:
        raise MnistFileError(_("MNIST file {name} is truncated: {n} bytes is too short for a header.").format(
            name=name, n=len(data)))
    magic = int.from_bytes(data[:4], "big")
    if magic != expected_magic:
        raise MnistFileError(_("MNIST file {name} has magic number {magic:#010x}, expected {expected:#010x}.").format(
            name=name, magic=magic, expected=expected_magic))
    ndim = magic & 0xFF
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise MnistFileError(_("MNIST file {name} is truncated inside its header.").format(name=name))
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape, dtype=np.int64))
    payload = len(data) - header_len
    if payload != expected:
        message = (_("MNIST file {name} is truncated: header says {expected} values, found {found}.")
                   if payload < expected else
                   _("MNIST file {name} is too long: header says {expected} values, found {found}."))
        raise MnistFileError(message.format(name=name, expected=expected, found=payload))
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape)


def _locate(root: Path, stem: str) -> Path:
    gz = root / f"{stem}.gz"
    return gz if gz.exists() or not (root / stem).exists() else root / stem


def _load_checked(root: Path, stem: str, magic: int, verify_md5: bool) -> np.ndarray:
    path = _locate(root, stem)
    data = read_idx_bytes(path)
    if verify_md5 and stem in CANONICAL_MD5:
        digest = hashlib.md5(data).hexdigest()
        if digest != CANONICAL_MD5[stem]:
            raise MnistFileError(
                _("MNIST file {path} failed its MD5 check ({digest}, expected {expected}): it is corrupt.").format(
                    path=path, digest=digest, expected=CANONICAL_MD5[stem])
            )
    return parse_idx(data, magic, str(path))


def load_mnist(split: str, root: str | Path | None = None, verify_md5: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images uint8 (N, 28, 28), labels int64 (N,))`` for ``split`` "train" or "test"."""
    if split not in FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    folder = Path(root) if root is not None else MNIST_DIR
    image_stem, label_stem = FILES[split]
    images = _load_checked(folder, image_stem, IMAGE_MAGIC, verify_md5)
    labels = _load_checked(folder, label_stem, LABEL_MAGIC, verify_md5)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise MnistFileError(_("MNIST images in {path} are {shape}, expected (28, 28).").format(
            path=folder / image_stem, shape=images.shape[1:]))
    if len(images) != len(labels):
        raise MnistFileError(_("MNIST {split} split has {images} images but {labels} labels.").format(
            split=split, images=len(images), labels=len(labels)))
    if labels.size and labels.max() > 9:
        raise MnistFileError(_("MNIST labels in {path} go above 9: the file is corrupt.").format(
            path=folder / label_stem))
    return images.copy(), labels.astype(np.int64)
