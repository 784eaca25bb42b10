import gzip

import numpy as np
import pytest

from lab.data.builtin import digits_28
from lab.data.idx import read_idx, write_idx
from lab.data.mnist import find_mnist, labels_file_for, load_digits_data, load_image_set
from lab.errors import DataError


def make_set(folder, n=12, gz=True, prefix="train"):
    ext = ".gz" if gz else ""
    images = np.random.default_rng(0).integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = np.arange(n, dtype=np.uint8) % 10
    write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", labels)
    return images, labels


@pytest.mark.parametrize("gz", [True, False])
def test_round_trip_and_labels(tmp_path, gz):
    images, labels = make_set(tmp_path, gz=gz)
    s = load_image_set(tmp_path)
    assert s.images.shape == (12, 28, 28) and s.images.dtype == np.float32
    np.testing.assert_allclose(s.images * 255, images, atol=1e-3)
    np.testing.assert_array_equal(s.labels, labels)
    single = load_image_set(next(tmp_path.glob("*images*")))  # a single images file finds its labels
    np.testing.assert_array_equal(single.labels, labels)


def test_prefers_train_over_test(tmp_path):
    make_set(tmp_path, n=5, prefix="t10k")
    make_set(tmp_path, n=7, prefix="train")
    assert len(load_image_set(tmp_path).images) == 7


def test_other_dtypes(tmp_path):
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    write_idx(tmp_path / "x.idx", a)
    b = read_idx(tmp_path / "x.idx")
    assert b.dtype == np.float32 and np.array_equal(a, b)


def test_truncated_file_names_file_and_sizes(tmp_path):
    make_set(tmp_path, gz=False)
    p = tmp_path / "train-images-idx3-ubyte"
    p.write_bytes(p.read_bytes()[:5000])
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: truncated: the header says 12 x 28 x 28"):
        read_idx(p)


def test_wrong_magic(tmp_path):
    p = tmp_path / "train-images-idx3-ubyte"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(DataError, match="wrong magic number"):
        read_idx(p)


def test_truncated_gzip(tmp_path):
    p = tmp_path / "train-images-idx3-ubyte.gz"
    p.write_bytes(gzip.compress(np.random.default_rng(0).bytes(4000))[:1000])
    with pytest.raises(DataError, match="gzip stream is truncated"):
        read_idx(p)


def test_corrupt_gzip(tmp_path):
    p = tmp_path / "train-images-idx3-ubyte.gz"
    p.write_bytes(b"\x1f\x8b" + b"junk" * 30)
    with pytest.raises(DataError, match="not a valid gzip file"):
        read_idx(p)


def test_missing_and_empty(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_image_set(tmp_path / "nope")
    with pytest.raises(DataError, match="it is empty"):
        load_image_set(tmp_path)
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(DataError, match="notes.txt"):
        load_image_set(tmp_path)


def test_huge_header_is_refused_without_allocating(tmp_path):
    p = tmp_path / "train-images-idx3-ubyte"
    p.write_bytes(bytes([0, 0, 8, 3]) + np.array([100000, 60000, 60000], ">u4").tobytes())
    with pytest.raises(DataError, match="refusing to allocate"):
        read_idx(p)


def test_label_count_mismatch(tmp_path):
    make_set(tmp_path, gz=False)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(3, np.uint8))
    with pytest.raises(DataError, match="3,\\) labels for 12 images"):
        load_image_set(tmp_path)


def test_discovery_in_keras_and_torchvision_layouts(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert find_mnist() is None
    tv = tmp_path / "data" / "MNIST" / "raw"
    tv.mkdir(parents=True)
    make_set(tv)
    assert find_mnist() == tv
    assert labels_file_for(tv / "train-images-idx3-ubyte.gz").name == "train-labels-idx1-ubyte.gz"
    assert len(load_digits_data().images) == 12


def test_builtin_default(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    s = load_digits_data()
    assert s.images.shape == (1797, 28, 28) and s.labels.shape == (1797,)
    assert s.images.min() >= 0 and s.images.max() <= 1
    assert s.images[:, :4].max() == 0  # MNIST layout: a 4-pixel empty border
    assert "built-in" in s.source and s.source == digits_28().source


def test_real_mnist(mnist_dir):
    s = load_image_set(mnist_dir)
    assert s.images.shape == (10000, 28, 28)
    assert np.bincount(s.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
