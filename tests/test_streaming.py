"""Tests for kgan.data.streaming: a folder streamed from disk by tf.data (ImageFolder, open_source, --cache)."""

import contextlib
import io
import json
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import kgan.data.streaming as streaming
from kgan.cli.commands import main
from kgan.cli.errors import run_main
from kgan.data import ImageFolder, load_arrays, open_source
from kgan.training import TrainConfig


def _write(path, array, **save_args):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **save_args)


def _mixed_folder(root, extension="png", count=6):
    """Images of several sizes and aspect ratios, smooth and noisy, larger and smaller than the target."""
    rng = np.random.default_rng(0)
    sizes = [(5, 7), (90, 40), (3, 30), (24, 24), (31, 17), (60, 80)][:count]
    for i, (height, width) in enumerate(sizes):
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        if i % 2:
            image = np.cumsum(image, axis=1).astype(np.uint8)
        _write(root / f"{i:02d}.{extension}", image, **({"quality": 90} if extension == "jpg" else {}))
    return root


def _batches(ds):
    return [tf.nest.map_structure(lambda t: t.numpy(), batch) for batch in ds]


@pytest.mark.parametrize("extension", ["png", "jpg"])
@pytest.mark.parametrize("resize", ["stretch", "crop", "pad"])
@pytest.mark.parametrize("channels", [1, 3])
def test_streamed_images_match_the_in_memory_reader_within_one_level(tmp_path, extension, resize, channels):
    folder = _mixed_folder(tmp_path / "pictures", extension)
    in_memory, _, info = load_arrays("folder", folder, image_size=(16, 12), channels=channels, resize=resize)
    streamed = ImageFolder(folder, image_size=(16, 12), channels=channels, resize=resize)
    decoded = streamed.read_all()
    assert streamed.info == info and decoded.shape == in_memory.shape and decoded.dtype == np.uint8
    # Decoding is exact (JPEGs too); Pillow's fixed-point bilinear filter and tf.image's float one round
    # differently, by at most one level of 255.
    assert np.abs(decoded.astype(int) - in_memory.astype(int)).max() <= 1


def test_images_of_the_target_size_are_streamed_unchanged(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (4, 10, 8, 3), dtype=np.uint8)
    for i, image in enumerate(images):
        _write(tmp_path / "p" / f"{i}.png", image)
    np.testing.assert_array_equal(ImageFolder(tmp_path / "p", image_size=(10, 8)).read_all(), images)
    np.testing.assert_array_equal(ImageFolder(tmp_path / "p", resize="crop").read_all(), images)


def test_info_comes_from_headers_without_decoding_any_image(tmp_path, monkeypatch):
    for name in ("cats", "dogs"):
        for i in range(3):
            _write(tmp_path / "pets" / name / f"{i}.png", np.full((8, 6), 40 * i, np.uint8))
    monkeypatch.setattr(tf.io, "decode_image", None)  # any decoding would fail
    monkeypatch.setattr(tf.io, "decode_jpeg", None)
    folder = ImageFolder(tmp_path / "pets")
    assert folder.info.image_shape == (8, 6, 1)  # every header says greyscale
    assert folder.info.num_examples == 6
    assert folder.info.class_names == ("cats", "dogs") and folder.info.num_classes == 2
    assert folder.labels.tolist() == [0, 0, 0, 1, 1, 1]


def test_a_colour_header_makes_a_folder_rgb(tmp_path):
    _write(tmp_path / "p" / "a.png", np.zeros((4, 4), np.uint8))
    _write(tmp_path / "p" / "b.png", np.zeros((4, 4, 3), np.uint8))
    assert ImageFolder(tmp_path / "p").info.image_shape == (4, 4, 3)


def test_labelled_batches_carry_each_images_class(tmp_path):
    for label, value in enumerate((0, 255)):
        for i in range(4):
            _write(tmp_path / "d" / f"class{label}" / f"{i}.png", np.full((4, 4), value, np.uint8))
    folder = ImageFolder(tmp_path / "d", cache="none")
    for images, labels in _batches(folder.dataset(batch_size=4, seed=0, epochs=2)):
        assert images.dtype == np.float32 and labels.dtype == np.int32
        np.testing.assert_array_equal(images[:, 0, 0, 0], np.where(labels == 0, -1.0, 1.0))


def _numbered_folder(root, count=10):
    for i in range(count):  # image i is filled with the value i, so a batch shows which files it holds
        _write(root / f"{i:03d}.png", np.full((3, 3), i, np.uint8))
    return root


def test_a_resumed_run_sees_the_batches_of_an_uninterrupted_one(tmp_path):
    folder = ImageFolder(_numbered_folder(tmp_path / "n"), cache="none")
    full = [b[:, 0, 0, 0].tolist() for b in _batches(folder.dataset(batch_size=3, seed=7, epochs=4))]
    resumed = [
        b[:, 0, 0, 0].tolist() for b in _batches(folder.dataset(batch_size=3, seed=7, epochs=4, initial_epoch=2))
    ]
    assert len(full) == 4 * 3 and resumed == full[2 * 3 :]
    assert full[0:3] != full[3:6]  # every epoch has its own order, of distinct files
    assert len(set(sum(full[0:3], []))) == 9


def test_streamed_and_in_memory_caches_give_the_same_batches(tmp_path):
    root = _numbered_folder(tmp_path / "n")
    streamed = ImageFolder(root, cache="none").dataset(batch_size=4, seed=3, epochs=3, initial_epoch=1)
    in_memory = ImageFolder(root, cache="memory").dataset(batch_size=4, seed=3, epochs=3, initial_epoch=1)
    assert [b.tolist() for b in _batches(streamed)] == [b.tolist() for b in _batches(in_memory)]


def test_streaming_never_reads_the_whole_folder_into_memory(tmp_path, monkeypatch):
    folder = ImageFolder(_numbered_folder(tmp_path / "n"), cache="none")
    monkeypatch.setattr(ImageFolder, "read_all", lambda self: pytest.fail("read the whole folder"))
    assert not folder.in_memory
    assert len(_batches(folder.dataset(batch_size=5, seed=0, epochs=1))) == 2


def test_auto_cache_keeps_small_folders_in_memory_and_streams_large_ones(tmp_path, monkeypatch):
    root = _numbered_folder(tmp_path / "n")
    assert ImageFolder(root).in_memory  # 10 images of 3 x 3: far below the budget
    monkeypatch.setattr(streaming, "MEMORY_BUDGET", 10 * 9 - 1)
    assert not ImageFolder(root).in_memory
    assert ImageFolder(root, cache="memory").in_memory


def test_a_file_that_is_no_image_is_named_before_training(tmp_path):
    _numbered_folder(tmp_path / "n", 3)
    (tmp_path / "n" / "001.png").write_bytes(b"not a png at all")
    with pytest.raises(ValueError, match=r"Could not read image .*Received: file='.*001\.png'"):
        ImageFolder(tmp_path / "n")


def test_an_image_too_large_by_its_header_is_refused(tmp_path, monkeypatch):
    _numbered_folder(tmp_path / "n", 3)
    monkeypatch.setattr(streaming, "MAX_IMAGE_PIXELS", 8)
    with pytest.raises(ValueError, match=r"3x3 pixels, more than kgan reads \(8 pixels\).*000\.png"):
        ImageFolder(tmp_path / "n")


def test_a_format_tf_cannot_decode_is_named(tmp_path):
    _write(tmp_path / "p" / "a.png", np.zeros((4, 4, 3), np.uint8))
    _write(tmp_path / "p" / "b.gif", np.zeros((4, 4, 3), np.uint8), format="TIFF")  # a TIFF named .gif
    with pytest.raises(ValueError, match=r"is a TIFF file.*b\.gif"):
        ImageFolder(tmp_path / "p")


def test_mixed_sizes_without_image_size_name_both_files(tmp_path):
    _write(tmp_path / "p" / "a.png", np.zeros((4, 4), np.uint8))
    _write(tmp_path / "p" / "b.png", np.zeros((5, 4), np.uint8))
    with pytest.raises(ValueError, match=r"a\.png is 4x4 but .*b\.png is 4x5.*image_size=None"):
        ImageFolder(tmp_path / "p")


def test_a_file_damaged_after_its_header_is_traced_to_its_name(tmp_path):
    root = _numbered_folder(tmp_path / "n", 6)
    data = (root / "004.png").read_bytes()
    (root / "004.png").write_bytes(data[:41])  # signature and IHDR (33 bytes) intact, the pixels cut off
    folder = ImageFolder(root, cache="none")  # the header check passes
    with pytest.raises(tf.errors.InvalidArgumentError) as excinfo:
        _batches(folder.dataset(batch_size=2, seed=0, epochs=1))
    error = folder.explain(excinfo.value)
    assert isinstance(error, ValueError) and "\n" not in str(error)
    assert str(error).startswith("Could not decode image (") and str(error).endswith(f"file={str(root / '004.png')!r}")
    assert ImageFolder(_numbered_folder(tmp_path / "sound", 4)).explain(excinfo.value) is None


def test_the_walk_keeps_its_guarantees(tmp_path):
    root = _numbered_folder(tmp_path / "n", 4)
    os.mkfifo(root / "fifo.png")  # would block a read forever: not a regular file, so not listed
    (root / "loop").symlink_to(root)  # a link back up the tree: walked once
    (root / ".hidden.png").write_bytes(b"")
    assert ImageFolder(root).info.num_examples == 4


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"cache": "disk"}, r"`cache` must be one of \('auto', 'memory', 'none'\). Received: cache='disk'"),
        ({"resize": "zoom"}, "Received: resize='zoom'"),
        ({"channels": 2}, "Received: channels=2"),
        ({"image_size": 0}, r"Received: image_size=\(0, 0\)"),
    ],
)
def test_bad_arguments_are_refused(tmp_path, kwargs, match):
    root = _numbered_folder(tmp_path / "n", 2)
    with pytest.raises(ValueError, match=match):
        ImageFolder(root, **kwargs)


def test_a_streamed_dataset_needs_a_seed_and_a_full_batch(tmp_path):
    folder = ImageFolder(_numbered_folder(tmp_path / "n", 4), cache="none")
    with pytest.raises(ValueError, match="Received: seed=None"):
        folder.dataset(batch_size=2, seed=None, epochs=1)
    with pytest.raises(ValueError, match="Received: batch_size=5"):
        folder.dataset(batch_size=5, seed=0, epochs=1)
    with pytest.raises(ValueError, match="Received: initial_epoch=2"):
        folder.dataset(batch_size=2, seed=0, epochs=2, initial_epoch=2)


def test_open_source_streams_folders_and_reads_other_sources_into_memory(tmp_path):
    folder = open_source("folder", _numbered_folder(tmp_path / "n", 4), cache="none")
    assert isinstance(folder, ImageFolder) and folder.info.num_examples == 4
    digits = open_source("mnist_embedded")
    assert digits.info.num_examples == 5000 and digits.explain(ValueError()) is None
    images, labels = next(iter(digits.dataset(batch_size=8, seed=0, epochs=1)))
    assert images.shape == (8, 28, 28, 1) and labels.shape == (8,)


def test_train_config_takes_the_cache_and_tfds_names():
    assert TrainConfig().cache == "auto"
    assert TrainConfig(dataset="folder", cache="none").cache == "none"
    with pytest.raises(ValueError, match="Received: cache='disk'"):
        TrainConfig(cache="disk")
    config = TrainConfig(dataset="tfds:cifar10")
    assert config.resolved_export_name == "cifar10_dcgan"
    with pytest.raises(ValueError, match="Received: dataset='tfds:'"):
        TrainConfig(dataset="tfds:")


def test_kgan_train_stops_at_once_with_one_line_for_an_unprepared_tfds_set(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    def no_download(*args, **kwargs):
        raise AssertionError("tried to download")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", no_download)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    stderr = io.StringIO()
    argv = ["train", "--dataset", "tfds:cifar10", "--epochs", "1", "--output-dir", str(tmp_path / "run")]
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        status = run_main(main, argv)
    lines = [line for line in stderr.getvalue().splitlines() if line.startswith("error:")]
    assert status == 2 and len(lines) == 1 and "Traceback" not in stderr.getvalue()
    assert "download_and_prepare()" in lines[0] and str(tmp_path / "tfds") in lines[0]


def _train_on(folder, tmp_path, **settings):
    from kgan import train

    return train(
        dataset="folder",
        data_path=folder,
        variant="gan",
        arch="dcgan",
        epochs=1,
        batch_size=4,
        ema=None,
        augment=None,
        verbose=0,
        jit_compile=False,  # XLA's compile would take most of the test's time
        output_dir=tmp_path / "run",
        export_dir=tmp_path / "exports",
        **settings,
    )


def _noise_folder(root, count=8):
    rng = np.random.default_rng(0)
    for i in range(count):
        _write(root / f"{i:02d}.png", rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))
    return root


def test_train_streams_a_folder_with_cache_none(tmp_path, monkeypatch):
    monkeypatch.setattr(ImageFolder, "read_all", lambda self: pytest.fail("read the whole folder"))
    result = _train_on(_noise_folder(tmp_path / "p"), tmp_path, cache="none")
    assert result.gan.generator.output_shape == (None, 16, 16, 3)
    assert json.loads((result.run_dir / "config.json").read_text())["cache"] == "none"


def test_train_names_a_file_that_stops_decoding_during_training(tmp_path):
    root = _noise_folder(tmp_path / "p")
    data = (root / "05.png").read_bytes()
    (root / "05.png").write_bytes(data[:41])  # the header is sound, so this is found only when decoded
    with pytest.raises(ValueError, match=r"^Could not decode image \(.*\)\. Received: file='.*05\.png'$"):
        _train_on(root, tmp_path, cache="none")


def test_train_reads_a_tfds_set_by_name_and_names_its_export_after_it(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    from kgan import train

    monkeypatch.setattr(tfds.core.DatasetBuilder, "is_prepared", lambda self: True)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    with tfds.testing.mock_data(num_examples=8):
        result = train(
            dataset="tfds:cifar10",
            image_size=16,
            variant="gan",
            arch="dcgan",
            epochs=1,
            batch_size=4,
            ema=None,
            augment=None,
            verbose=0,
            jit_compile=False,
            output_dir=tmp_path / "run",
            export_dir=tmp_path / "exports",
        )
    assert result.gan.generator.output_shape == (None, 16, 16, 3)
    assert result.export_path.parent.name == "cifar10_dcgan"
