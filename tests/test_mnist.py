"""IDX parsing and the shipped MNIST files: shapes, checksums, and clear errors for bad files."""
from __future__ import annotations

import gzip
import hashlib
import shutil

import numpy as np
import pytest

from playground.digits.mnist import (CANONICAL_MD5, FILES, IMAGE_MAGIC, LABEL_MAGIC, load_mnist, MnistFileError,
                                     parse_idx)
from playground.paths import MNIST_DIR


def idx_bytes(magic: int, array: np.ndarray) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_split(folder, images: np.ndarray, labels: np.ndarray, split: str = "test") -> None:
    image_stem, label_stem = FILES[split]
    (folder / f"{image_stem}.gz").write_bytes(gzip.compress(idx_bytes(IMAGE_MAGIC, images)))
    (folder / f"{label_stem}.gz").write_bytes(gzip.compress(idx_bytes(LABEL_MAGIC, labels)))


def test_parses_a_tiny_idx_pair(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    labels = np.array([7, 0, 9], dtype=np.uint8)
    write_split(tmp_path, images, labels)
    got_images, got_labels = load_mnist("test", root=tmp_path, verify_md5=False)
    assert got_images.dtype == np.uint8 and got_images.shape == (3, 28, 28)
    assert got_labels.dtype == np.int64 and got_labels.tolist() == [7, 0, 9]
    np.testing.assert_array_equal(got_images, images)


def test_plain_uncompressed_files_work_too(tmp_path):
    images = np.zeros((2, 28, 28), np.uint8)
    image_stem, label_stem = FILES["train"]
    (tmp_path / image_stem).write_bytes(idx_bytes(IMAGE_MAGIC, images))
    (tmp_path / label_stem).write_bytes(idx_bytes(LABEL_MAGIC, np.array([1, 2])))
    assert load_mnist("train", root=tmp_path, verify_md5=False)[1].tolist() == [1, 2]


def test_truncated_payload_names_the_file():
    data = idx_bytes(IMAGE_MAGIC, np.zeros((2, 28, 28)))[:-10]
    with pytest.raises(MnistFileError, match="images.idx.*truncated"):
        parse_idx(data, IMAGE_MAGIC, "images.idx")


def test_truncated_header_and_wrong_magic_are_clear():
    with pytest.raises(MnistFileError, match="too short"):
        parse_idx(b"\x00\x00", IMAGE_MAGIC, "x")
    with pytest.raises(MnistFileError, match="inside its header"):
        parse_idx(IMAGE_MAGIC.to_bytes(4, "big") + b"\x00\x00\x00\x01", IMAGE_MAGIC, "x")
    with pytest.raises(MnistFileError, match="magic number"):
        parse_idx(idx_bytes(LABEL_MAGIC, np.zeros(3)), IMAGE_MAGIC, "x")


def test_corrupt_gzip_names_the_file(tmp_path):
    write_split(tmp_path, np.zeros((1, 28, 28)), np.zeros(1))
    image_file = tmp_path / f"{FILES['test'][0]}.gz"
    image_file.write_bytes(image_file.read_bytes()[:20])
    with pytest.raises(MnistFileError, match=image_file.name):
        load_mnist("test", root=tmp_path, verify_md5=False)


def test_count_mismatch_and_bad_labels_are_reported(tmp_path):
    write_split(tmp_path, np.zeros((2, 28, 28)), np.zeros(3))
    with pytest.raises(MnistFileError, match="2 images but 3 labels"):
        load_mnist("test", root=tmp_path, verify_md5=False)
    write_split(tmp_path, np.zeros((1, 28, 28)), np.array([12]))
    with pytest.raises(MnistFileError, match="above 9"):
        load_mnist("test", root=tmp_path, verify_md5=False)


def test_missing_file_and_unknown_split(tmp_path):
    with pytest.raises(MnistFileError, match="missing"):
        load_mnist("test", root=tmp_path)
    with pytest.raises(ValueError, match="'train' or 'test'"):
        load_mnist("validation")


def test_shipped_test_split_passes_its_md5_check():
    images, labels = load_mnist("test")
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_tampered_copy_fails_the_md5_check(tmp_path):
    for stem in FILES["test"]:
        shutil.copy(MNIST_DIR / f"{stem}.gz", tmp_path / f"{stem}.gz")
    image_file = tmp_path / f"{FILES['test'][0]}.gz"
    raw = bytearray(gzip.decompress(image_file.read_bytes()))
    raw[5000] ^= 0xFF  # one pixel changed: still parses, but is not MNIST any more
    image_file.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(MnistFileError, match=f"{image_file.name}.*MD5"):
        load_mnist("test", root=tmp_path)


def test_every_shipped_file_has_the_canonical_checksum_the_loader_checks():
    """Both shipped splits (train too, which the other tests never read) hold the original MNIST bytes."""
    for split, stems in FILES.items():
        for stem in stems:
            data = gzip.decompress((MNIST_DIR / f"{stem}.gz").read_bytes())
            assert hashlib.md5(data).hexdigest() == CANONICAL_MD5[stem], f"{stem}.gz is not the canonical file"
    images, labels = load_mnist("train")
    assert images.shape == (60000, 28, 28) and labels.shape == (60000,)
    assert np.bincount(labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
