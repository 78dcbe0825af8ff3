"""Tests for kgan.data: sources, conversions and the tf.data pipeline.

Everything runs offline: tensorflow-datasets is exercised through
`tfds.testing.mock_data`, and the download-host check is monkeypatched.
"""

import socket
import time

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

import kgan.data.tfds as kd
from kgan.data import DATASETS, DatasetInfo, load_arrays, load_dataset, make_dataset


def _first_batch(ds):
    return tf.nest.map_structure(lambda t: t.numpy(), next(iter(ds)))


def _write_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def _grey(value, size=(6, 5)):
    return np.full(size, value, dtype=np.uint8)


def _colour(size=(6, 5)):
    image = np.zeros(size + (3,), dtype=np.uint8)
    image[..., 0] = 200  # Red, so the channels differ.
    return image


# --- The embedded MNIST subset -----------------------------------------------


def test_embedded_mnist_is_5000_balanced_uint8_digits():
    images, labels, info = load_arrays()
    assert images.shape == (5000, 28, 28, 1)
    assert images.dtype == np.uint8
    assert labels.shape == (5000,)
    assert labels.dtype == np.int32
    np.testing.assert_array_equal(np.bincount(labels), [500] * 10)
    assert images.min() == 0 and images.max() == 255
    assert info == DatasetInfo(
        name="mnist_embedded",
        num_examples=5000,
        image_shape=(28, 28, 1),
        num_classes=10,
        class_names=tuple("0123456789"),
    )


def test_embedded_mnist_resizes_and_converts_to_rgb():
    images, labels, info = load_arrays(image_size=(32, 36), channels=3)
    assert images.shape == (5000, 32, 36, 3)
    assert images.dtype == np.uint8
    np.testing.assert_array_equal(images[..., 0], images[..., 2])
    assert info.image_shape == (32, 36, 3)
    assert len(labels) == 5000


def test_embedded_mnist_has_only_a_train_split():
    with pytest.raises(ValueError, match="split='test'"):
        load_arrays(split="test")


# --- make_dataset -----------------------------------------------------------


def test_batches_are_float32_in_minus_one_to_one_reaching_both_ends():
    images, labels, _ = load_arrays()
    x, y = _first_batch(make_dataset(images, labels, batch_size=64, seed=0))
    assert x.shape == (64, 28, 28, 1)
    assert x.dtype == np.float32
    assert y.shape == (64,)
    assert y.dtype == np.int32
    assert x.min() == -1.0 and x.max() == 1.0


@pytest.mark.parametrize(
    "images",
    [
        np.array([[[0, 255]]], dtype=np.uint8),
        np.array([[[0.0, 1.0]]], dtype=np.float32),
        np.array([[[0.0, 255.0]]], dtype=np.float64),
        np.array([[[0, 255]]], dtype=np.int64),
    ],
    ids=["uint8", "float_0_1", "float_0_255", "int64"],
)
def test_pixel_ranges_all_scale_to_minus_one_and_one(images):
    x = _first_batch(make_dataset(images, batch_size=1, shuffle=False))
    np.testing.assert_allclose(x.reshape(-1), [-1.0, 1.0])


def test_rank3_images_get_a_channel_axis():
    x = _first_batch(make_dataset(np.zeros((4, 5, 6), np.uint8), batch_size=2))
    assert x.shape == (2, 5, 6, 1)


def test_without_labels_yields_image_batches_only():
    ds = make_dataset(np.zeros((4, 5, 6, 3), np.uint8), batch_size=2)
    assert isinstance(ds.element_spec, tf.TensorSpec)
    assert ds.element_spec.shape.as_list() == [2, 5, 6, 3]


def test_same_seed_gives_same_first_batch_and_different_seeds_differ():
    images = np.arange(100, dtype=np.uint8).reshape(100, 1, 1, 1)
    labels = np.arange(100, dtype=np.int32)

    def first_labels(seed):
        return _first_batch(make_dataset(images, labels, batch_size=10, seed=seed))[1]

    np.testing.assert_array_equal(first_labels(1), first_labels(1))
    assert not np.array_equal(first_labels(1), first_labels(2))
    unshuffled = _first_batch(make_dataset(images, labels, batch_size=10, shuffle=False))
    np.testing.assert_array_equal(unshuffled[1], np.arange(10))


def test_reshuffles_every_epoch():
    labels = np.arange(100, dtype=np.int32)
    ds = make_dataset(np.zeros((100, 1, 1, 1), np.uint8), labels, batch_size=100, seed=3)
    epoch1, epoch2 = (next(iter(ds))[1].numpy() for _ in range(2))
    assert not np.array_equal(epoch1, epoch2)
    np.testing.assert_array_equal(np.sort(epoch1), labels)


@pytest.mark.parametrize("drop_remainder, sizes", [(True, [4, 4]), (False, [4, 4, 2])])
def test_drop_remainder(drop_remainder, sizes):
    ds = make_dataset(np.zeros((10, 2, 2, 1), np.uint8), batch_size=4, drop_remainder=drop_remainder)
    assert [len(x) for x in ds] == sizes


def test_repeat_yields_more_than_one_epoch():
    ds = make_dataset(np.zeros((4, 2, 2, 1), np.uint8), batch_size=2, repeat=True)
    assert len(list(ds.take(5))) == 5


@pytest.mark.parametrize(
    "images, labels, kwargs, match",
    [
        (np.zeros((2, 3), np.uint8), None, {}, r"images.shape=\(2, 3\)"),
        (np.zeros((1, 2, 2, 1, 1), np.uint8), None, {}, r"images.shape=\(1, 2, 2, 1, 1\)"),
        (np.full((2, 2, 2, 1), np.nan, np.float32), None, {}, "NaN"),
        (np.full((2, 2, 2, 1), -0.5, np.float32), None, {}, r"\[-0.5, -0.5\]"),
        (np.full((2, 2, 2, 1), 300.0, np.float32), None, {}, r"\[300.0, 300.0\]"),
        (np.zeros((2, 2, 2, 1), bool), None, {}, "images.dtype=bool"),
        (np.zeros((3, 2, 2, 1), np.uint8), np.zeros(2, np.int32), {}, "len\\(labels\\)=2"),
        (np.zeros((2, 2, 2, 1), np.uint8), np.array([0, -1]), {}, "minimum -1"),
        (np.zeros((2, 2, 2, 1), np.uint8), np.array([0.0, 1.0]), {}, "dtype=float64"),
        (np.zeros((0, 2, 2, 1), np.uint8), None, {}, r"images.shape=\(0, 2, 2, 1\)"),
        (np.zeros((2, 2, 2, 1), np.uint8), None, {"batch_size": 0}, "batch_size=0"),
        (np.zeros((2, 2, 2, 1), np.uint8), None, {"batch_size": 2.0}, "batch_size=2.0"),
        (np.zeros((2, 2, 2, 1), np.uint8), None, {"batch_size": 3}, "no full batch"),
        (np.zeros((2, 2, 2, 1), np.uint8), None, {"seed": "1"}, "seed='1'"),
    ],
    ids=[
        "rank2",
        "rank5",
        "nan",
        "negative_float",
        "float_above_255",
        "bool",
        "label_count",
        "negative_label",
        "float_labels",
        "empty",
        "batch_size_0",
        "batch_size_float",
        "batch_larger_than_set",
        "seed_str",
    ],
)
def test_make_dataset_rejects_bad_input(images, labels, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_dataset(images, labels, batch_size=kwargs.pop("batch_size", 2), **kwargs)


# --- npz files ----------------------------------------------------------------


def _keras_npz(path):
    rng = np.random.default_rng(0)
    np.savez(
        path,
        x_train=rng.integers(0, 256, (6, 8, 8), dtype=np.uint8),
        y_train=np.array([0, 1, 2, 0, 1, 2], np.uint8),
        x_test=rng.integers(0, 256, (3, 8, 8), dtype=np.uint8),
        y_test=np.array([3, 4, 5], np.uint8),
    )
    return path


def test_keras_npz_reads_train_and_test_splits(tmp_path):
    path = _keras_npz(tmp_path / "mnist.npz")
    images, labels, info = load_arrays("npz", path)
    assert images.shape == (6, 8, 8, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(labels, [0, 1, 2, 0, 1, 2])
    assert labels.dtype == np.int32
    assert info.num_classes == 3 and info.class_names == ("0", "1", "2")

    images, labels, info = load_arrays("npz", str(path), split="test")
    assert images.shape == (3, 8, 8, 1)
    np.testing.assert_array_equal(labels, [3, 4, 5])
    assert info.num_examples == 3 and info.num_classes == 6


def test_keras_npz_rejects_unknown_split(tmp_path):
    with pytest.raises(ValueError, match="split='validation'"):
        load_arrays("npz", _keras_npz(tmp_path / "mnist.npz"), split="validation")


def test_mnist_with_path_reads_the_npz_with_mnist_class_names(tmp_path):
    _, _, info = load_arrays("fashion_mnist", _keras_npz(tmp_path / "f.npz"))
    assert info.class_names[0] == "T-shirt/top" and info.num_classes == 10


def test_plain_x_y_npz(tmp_path):
    path = tmp_path / "xy.npz"
    np.savez(path, x=np.zeros((4, 5, 5, 3), np.uint8), y=np.array([1, 0, 1, 0]))
    images, labels, info = load_arrays("npz", path)
    assert images.shape == (4, 5, 5, 3)
    np.testing.assert_array_equal(labels, [1, 0, 1, 0])
    assert info.image_shape == (5, 5, 3) and info.num_classes == 2


def test_x_only_npz_has_no_labels(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, x=np.ones((4, 5, 5), np.float32))
    images, labels, info = load_arrays("npz", path)
    assert labels is None and info.num_classes is None and info.class_names is None
    assert images.dtype == np.uint8 and images.max() == 255


def test_npz_with_one_label_too_few_names_the_count(tmp_path):
    path = tmp_path / "short.npz"
    np.savez(path, x=np.zeros((4, 5, 5), np.uint8), y=np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="len\\(labels\\)=3"):
        load_arrays("npz", path)


def test_missing_npz_names_the_path(tmp_path):
    path = tmp_path / "nowhere.npz"
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        load_arrays("npz", path)


def test_corrupt_npz_names_the_file(tmp_path):
    path = tmp_path / "corrupt.npz"
    path.write_bytes(b"this is not a zip archive")
    with pytest.raises(ValueError, match="corrupt.npz"):
        load_arrays("npz", path)


def test_npz_without_image_keys_lists_the_keys_found(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, images=np.zeros((2, 2, 2)), targets=np.zeros(2))
    with pytest.raises(ValueError, match=r"other.npz.*keys=\['images', 'targets'\]"):
        load_arrays("npz", path)


# --- Image folders --------------------------------------------------------------


def test_folder_with_class_subfolders_labels_by_sorted_folder_name(tmp_path):
    for i in range(2):
        _write_png(tmp_path / "dog" / f"{i}.png", _grey(10))
    _write_png(tmp_path / "cat" / "a.png", _grey(20))
    _write_png(tmp_path / "cat" / "nested" / "b.PNG", _grey(30))
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    images, labels, info = load_arrays("folder", tmp_path)
    assert images.shape == (4, 6, 5, 1)
    np.testing.assert_array_equal(labels, [0, 0, 1, 1])
    np.testing.assert_array_equal(images[:, 0, 0, 0], [20, 30, 10, 10])
    assert info.class_names == ("cat", "dog") and info.num_classes == 2


def test_folder_without_subfolders_has_no_labels(tmp_path):
    _write_png(tmp_path / "a.png", _colour())
    _write_png(tmp_path / "b.png", _grey(7))
    images, labels, info = load_arrays("folder", tmp_path)
    assert labels is None and info.num_classes is None and info.class_names is None
    assert images.shape == (2, 6, 5, 3)  # One colour image makes all RGB.


def test_folder_of_grey_rgb_files_loads_as_one_channel_without_changing_pixels(tmp_path):
    values = np.array([[0, 128, 255]], dtype=np.uint8)
    _write_png(tmp_path / "a.png", np.repeat(values[..., np.newaxis], 3, axis=-1))
    images, _, _ = load_arrays("folder", tmp_path)
    assert images.shape == (1, 1, 3, 1)
    np.testing.assert_array_equal(images[0, :, :, 0], values)


def test_unreadable_image_names_the_file(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="broken.png"):
        load_arrays("folder", tmp_path)


def test_folder_resizes_to_image_size_and_converts_channels(tmp_path):
    _write_png(tmp_path / "a.png", _colour(size=(10, 12)))
    _write_png(tmp_path / "b.png", _grey(7, size=(4, 4)))
    images, _, info = load_arrays("folder", tmp_path, image_size=(8, 9), channels=1)
    assert images.shape == (2, 8, 9, 1)
    assert info.image_shape == (8, 9, 1)


def test_folder_with_mixed_sizes_asks_for_image_size(tmp_path):
    _write_png(tmp_path / "a.png", _grey(1, size=(4, 4)))
    _write_png(tmp_path / "b.png", _grey(1, size=(5, 4)))
    with pytest.raises(ValueError, match="image_size"):
        load_arrays("folder", tmp_path)


def test_empty_folder_raises(tmp_path):
    (tmp_path / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match="Found no images"):
        load_arrays("folder", tmp_path)


def test_load_dataset_from_folder_yields_unlabelled_batches(tmp_path):
    for i in range(4):
        _write_png(tmp_path / f"{i}.png", _grey(255 * (i % 2)))
    ds, info = load_dataset("folder", tmp_path, batch_size=2, seed=0, image_size=8)
    x = _first_batch(ds)
    assert x.shape == (2, 8, 8, 1) and x.dtype == np.float32
    assert info.num_examples == 4


# --- Argument checks ----------------------------------------------------------


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (("cifar10",), {}, "mnist_embedded"),
        (("npz",), {}, "path=None"),
        (("folder",), {}, "path=None"),
        (("mnist_embedded", "x.npz"), {}, "path='x.npz'"),
        (("mnist_embedded",), {"channels": 2}, "channels=2"),
        (("mnist_embedded",), {"image_size": (0, 4)}, r"image_size=\(0, 4\)"),
    ],
)
def test_load_arrays_rejects_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_arrays(*args, **kwargs)


def test_datasets_lists_every_source():
    assert DATASETS == ("mnist_embedded", "mnist", "fashion_mnist", "npz", "folder", "usps", "tfds:NAME")
    assert "tfds:cifar10" in DATASETS and "tfds:" not in DATASETS and "cifar10" not in DATASETS


# --- tensorflow-datasets (mocked, offline) ------------------------------------


@pytest.mark.parametrize("name, first_class", [("mnist", "0"), ("fashion_mnist", "T-shirt/top")])
def test_tfds_download_path_with_mock_data(name, first_class, monkeypatch, tmp_path):
    monkeypatch.setattr(kd, "_host_reachable", lambda *args, **kwargs: True)
    with tfds.testing.mock_data(num_examples=7):
        images, labels, info = load_arrays(name, data_dir=tmp_path, image_size=14)
    assert images.shape == (7, 14, 14, 1) and images.dtype == np.uint8
    assert labels.shape == (7,) and labels.dtype == np.int32
    assert info.num_classes == 10 and info.class_names[0] == first_class


def test_tfds_prepared_copy_is_read_without_checking_the_network(monkeypatch, tmp_path):
    def fail(*args, **kwargs):
        raise AssertionError("checked the network although the data is prepared")

    monkeypatch.setattr(kd, "_host_reachable", fail)
    monkeypatch.setattr(tfds.core.DatasetBuilder, "is_prepared", lambda self: True)
    with tfds.testing.mock_data(num_examples=5):
        ds, info = load_dataset("mnist", data_dir=tmp_path, batch_size=5, split="test")
    x, y = _first_batch(ds)
    assert x.shape == (5, 28, 28, 1) and y.dtype == np.int32
    assert info.name == "mnist"


def test_tfds_offline_without_prepared_data_fails_fast_with_how_to(monkeypatch, tmp_path):
    def no_download(*args, **kwargs):
        raise AssertionError("tried to download while offline")

    monkeypatch.setattr(kd, "_host_reachable", lambda *args, **kwargs: False)
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", no_download)
    start = time.monotonic()
    with pytest.raises(FileNotFoundError, match="tfds.load\\('mnist'\\)") as excinfo:
        load_arrays("mnist", data_dir=tmp_path)
    assert time.monotonic() - start < 10
    assert "--data-path" in str(excinfo.value)
    assert str(tmp_path) in str(excinfo.value)


@pytest.fixture
def prepared_tfds(monkeypatch, tmp_path):
    """tensorflow-datasets' mocked data, as if prepared in `tmp_path`; any download attempt fails the test."""

    def no_download(*args, **kwargs):
        raise AssertionError("tried to download")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "is_prepared", lambda self: True)
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", no_download)
    with tfds.testing.mock_data(num_examples=6):
        yield tmp_path


def test_tfds_name_reads_a_labelled_set_resized_and_converted(prepared_tfds):
    images, labels, info = load_arrays("tfds:cifar10", data_dir=prepared_tfds, image_size=16, channels=1)
    assert images.shape == (6, 16, 16, 1) and images.dtype == np.uint8
    assert labels.shape == (6,) and labels.dtype == np.int32
    assert info.name == "tfds:cifar10" and info.num_classes == 10 and len(info.class_names) == 10


def test_tfds_name_without_class_labels_is_unlabelled(prepared_tfds):
    images, labels, info = load_arrays("tfds:celeb_a", data_dir=prepared_tfds, image_size=(32, 24), resize="crop")
    assert images.shape == (6, 32, 24, 3) and labels is None and info.num_classes is None


def test_tfds_name_with_images_of_varying_size_needs_image_size(prepared_tfds):
    images, labels, info = load_arrays("tfds:tf_flowers", data_dir=prepared_tfds, image_size=8, resize="pad")
    assert images.shape == (6, 8, 8, 3) and info.num_classes == 5
    with pytest.raises(ValueError, match="different sizes; pass image_size.*Received: image_size=None"):
        load_arrays("tfds:tf_flowers", data_dir=prepared_tfds)


def test_tfds_name_not_prepared_stops_at_once_saying_how_to_prepare_it(monkeypatch, tmp_path):
    def no_network(*args, **kwargs):
        raise AssertionError("touched the network")

    monkeypatch.setattr(kd, "_host_reachable", no_network)
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", no_network)
    start = time.monotonic()
    with pytest.raises(FileNotFoundError, match=r"no prepared copy of 'cifar10' in .*download_and_prepare\(\)") as e:
        load_arrays("tfds:cifar10", data_dir=tmp_path)
    assert time.monotonic() - start < 10 and str(tmp_path) in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize(
    "name, kwargs, match",
    [
        ("tfds:no_such_set", {}, "has no data set 'no_such_set'"),
        ("tfds:cifar10", {"path": "x.npz"}, "takes no `path`"),
        ("tfds:", {}, "Unknown dataset"),
    ],
)
def test_tfds_name_rejects_bad_input(tmp_path, name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_arrays(name, data_dir=tmp_path, **kwargs)


def test_host_check_returns_false_quickly_for_a_closed_local_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # Free once closed, so nothing listens.
    start = time.monotonic()
    assert kd._host_reachable("127.0.0.1", port, timeout=1.0) is False
    assert time.monotonic() - start < 2


def test_epoch_indexed_shuffling_lets_a_resumed_run_see_the_same_batches():
    images = np.arange(12, dtype="uint8").reshape(12, 1, 1, 1)
    full = [b.numpy().ravel().tolist() for b in make_dataset(images, batch_size=4, seed=5, epochs=4)]
    resumed = [
        b.numpy().ravel().tolist() for b in make_dataset(images, batch_size=4, seed=5, epochs=4, initial_epoch=2)
    ]
    assert len(full) == 4 * 3 and resumed == full[2 * 3 :]
    assert full[0:3] != full[3:6]  # every epoch has its own order
    assert sorted(sum(full[0:3], [])) == sorted(sum(full[3:6], []))  # ... of the same images


def test_epoch_indexed_shuffling_needs_a_seed_and_a_valid_start():
    images = np.zeros((8, 2, 2, 1), "uint8")
    with pytest.raises(ValueError, match="seed=None"):
        make_dataset(images, batch_size=4, epochs=2)
    with pytest.raises(ValueError, match="initial_epoch=3"):
        make_dataset(images, batch_size=4, seed=0, epochs=2, initial_epoch=3)


def _half_black_half_white(height=4, width=8):
    image = np.zeros((height, width, 1), np.uint8)
    image[:, width // 2 :] = 255
    return image


@pytest.mark.parametrize("source", ["npz", "folder"])
def test_resize_stretches_crops_or_pads_an_image_of_another_aspect_ratio(tmp_path, source):
    from PIL import Image

    from kgan.data import load_arrays

    image = _half_black_half_white()  # 4 high, 8 wide: black left half, white right half
    if source == "npz":
        np.savez(tmp_path / "d.npz", x=image[None, ..., 0].repeat(2, 0))
        path = tmp_path / "d.npz"
    else:
        (tmp_path / "pictures").mkdir()
        for i in range(2):
            Image.fromarray(image[..., 0]).save(tmp_path / "pictures" / f"{i}.png")
        path = tmp_path / "pictures"
    out = {
        resize: load_arrays(source, path, image_size=4, channels=1, resize=resize)[0][0, ..., 0].astype(int)
        for resize in ("stretch", "crop", "pad")
    }
    # crop: the centre 4 x 4, two black columns then two white ones, untouched.
    np.testing.assert_array_equal(out["crop"], [[0, 0, 255, 255]] * 4)
    # pad: the whole image at 2 x 4, black rows above and below.
    assert (out["pad"][0] == 0).all() and (out["pad"][3] == 0).all()
    assert out["pad"][1:3, 3].min() > 200 and out["pad"][1:3, 0].max() < 50
    # stretch: every row is the whole width, squeezed; no black border rows.
    assert out["stretch"][0, 3] > 200 and out["stretch"][3, 3] > 200
    with pytest.raises(ValueError, match="`resize` must be one of"):
        load_arrays(source, path, image_size=4, resize="zoom")
