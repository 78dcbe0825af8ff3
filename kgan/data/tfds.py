"""tensorflow-datasets: `mnist` and `fashion_mnist` (failing fast when offline), any `tfds:NAME` (local only)."""

import os

import numpy as np

from kgan.core.utils import host_reachable as _host_reachable  # monkeypatched by the offline tests
from kgan.data.validation import CONVERT_CHUNK, MAX_ARRAY_BYTES, convert_images, to_nhwc_uint8

# tensorflow-datasets downloads MNIST and Fashion-MNIST from this host.
_DOWNLOAD_HOST = ("storage.googleapis.com", 443)
# Seconds to wait for the download host before declaring the machine offline.

_TFDS_DATASETS = ("mnist", "fashion_mnist")


def _tfds_unavailable_message(name, data_dir):
    data_dir = data_dir or os.path.join("~", "tensorflow_datasets")
    return (
        f"tensorflow-datasets has no prepared copy of {name!r} in {data_dir} and "
        f"{_DOWNLOAD_HOST[0]} is unreachable (offline?). On a machine with internet run "
        f"`python -c \"import tensorflow_datasets as tfds; tfds.load('{name}')\"` and copy "
        f"~/tensorflow_datasets/{name} to {os.path.join(data_dir, name)}, or pass "
        "--data-path to a Keras-layout .npz (like Keras' mnist.npz; "
        f"load_dataset('npz', path=...)). Received: name={name!r}, data_dir={data_dir!r}"
    )


def load_tfds(name, split, data_dir):
    # Imported here: tensorflow_datasets is slow to import and only needed here.
    import tensorflow_datasets as tfds

    builder = tfds.builder(name, data_dir=data_dir)
    if not builder.is_prepared():
        if not _host_reachable(*_DOWNLOAD_HOST):
            raise FileNotFoundError(_tfds_unavailable_message(name, data_dir))
        builder.download_and_prepare()
    # Batches of a fixed size rather than `batch_size=-1`: the latter sizes one
    # batch from the split metadata, which a mocked builder lacks (it then asks
    # for a sys.maxsize batch and aborts the process).
    ds = builder.as_dataset(split=split, as_supervised=True).batch(CONVERT_CHUNK)
    batches = list(tfds.as_numpy(ds))
    if not batches:
        raise ValueError(f"Split {split!r} of {name!r} is empty. Received: split={split!r}")
    images = np.concatenate([x for x, _ in batches])
    labels = np.concatenate([y for _, y in batches])
    class_names = tuple(builder.info.features["label"].names)
    return images, labels, class_names


def _not_prepared_message(name, data_dir):
    where = data_dir or os.environ.get("TFDS_DATA_DIR") or os.path.join("~", "tensorflow_datasets")
    return (
        f"tensorflow-datasets has no prepared copy of {name!r} in {where}, and kgan never downloads one; on a "
        f"machine with internet run `python -c \"import tensorflow_datasets as tfds; tfds.builder('{name}')"
        f'.download_and_prepare()"` and copy ~/tensorflow_datasets/{name.split(":")[0]} into {where} '
        f"(or set TFDS_DATA_DIR to a folder holding it). Received: dataset='tfds:{name}'"
    )


def _image_and_label_keys(name, info):
    """The image feature's key and the class label's (or `None`): the supervised keys, else the first image."""
    import tensorflow_datasets as tfds

    if info.supervised_keys and len(info.supervised_keys) == 2:
        image_key, label_key = info.supervised_keys
        if isinstance(info.features[image_key], tfds.features.Image):
            label = info.features[label_key]
            return image_key, label_key if isinstance(label, tfds.features.ClassLabel) else None
    for key, feature in info.features.items():
        if isinstance(feature, tfds.features.Image):
            return key, None
    raise ValueError(f"tfds:{name} has no image feature; kgan trains on images. Received: dataset='tfds:{name}'")


def load_tfds_by_name(name, split, data_dir, image_size, resize):
    """`tfds:NAME`: a data set tensorflow-datasets has prepared in `data_dir`, read into memory and resized.

    Never downloads (offline, tensorflow-datasets retries for minutes): an unprepared data set is a
    `FileNotFoundError` saying how to prepare it. Images are resized chunk by chunk as they are read, so only
    the resized set is held; images of varying sizes need `image_size`.
    """
    import tensorflow_datasets as tfds

    data_dir = data_dir or os.environ.get("TFDS_DATA_DIR") or None  # read now, not when tfds was imported
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except Exception as e:  # noqa: BLE001 (tfds raises its own error types for unknown names and bad versions)
        raise ValueError(
            f"tensorflow-datasets has no data set {name!r} ({str(e).strip().splitlines()[0] if str(e) else e!r}). "
            f"Received: dataset='tfds:{name}'"
        ) from e
    if not builder.is_prepared():
        raise FileNotFoundError(_not_prepared_message(name, data_dir))
    image_key, label_key = _image_and_label_keys(name, builder.info)
    shape = builder.info.features[image_key].shape
    fixed_size = None not in shape[:2]
    if not fixed_size and image_size is None:
        raise ValueError(
            f"tfds:{name} holds images of different sizes; pass image_size (--image-size) to resize them. "
            "Received: image_size=None"
        )
    ds = builder.as_dataset(split=split, shuffle_files=False)
    ds = ds.map(lambda e: (e[image_key], e[label_key] if label_key else 0))
    # Same-size images convert in chunks; images of varying size one by one (they cannot be batched before).
    ds = ds.batch(CONVERT_CHUNK if fixed_size else 1)
    chunks, labels, nbytes = [], [], 0
    for images, chunk_labels in tfds.as_numpy(ds):
        images = convert_images(to_nhwc_uint8(images, f"tfds:{name}"), image_size, None, resize)
        nbytes += images.nbytes
        if nbytes > MAX_ARRAY_BYTES:
            raise ValueError(
                f"The images of tfds:{name} would take more than {MAX_ARRAY_BYTES} bytes in memory; pass a smaller "
                f"image_size or a part of the split (e.g. 'train[:50%]'). Received: split={split!r}"
            )
        chunks.append(images)
        labels.append(chunk_labels)
    if not chunks:
        raise ValueError(f"Split {split!r} of tfds:{name} is empty. Received: split={split!r}")
    class_names = tuple(builder.info.features[label_key].names) if label_key else None
    return np.concatenate(chunks), np.concatenate(labels) if label_key else None, class_names
