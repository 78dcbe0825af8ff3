"""The `mnist` and `fashion_mnist` sources through tensorflow-datasets, failing fast when offline."""

import os
import socket
import threading

import numpy as np

from kgan.data.validation import CONVERT_CHUNK

# tensorflow-datasets downloads MNIST and Fashion-MNIST from this host.
_DOWNLOAD_HOST = ("storage.googleapis.com", 443)
# Seconds to wait for the download host before declaring the machine offline.
_REACHABILITY_TIMEOUT = 3.0

_TFDS_DATASETS = ("mnist", "fashion_mnist")


def _host_reachable(host=_DOWNLOAD_HOST[0], port=_DOWNLOAD_HOST[1], timeout=_REACHABILITY_TIMEOUT):
    """Whether a TCP connection to `host:port` opens within `timeout` seconds.

    The connect runs in a daemon thread because name resolution ignores socket
    timeouts and can hang on a machine without a working resolver.
    """
    result = []

    def connect():
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


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
        if not _host_reachable():
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
