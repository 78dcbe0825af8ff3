"""`open_source`: a data set opened for training, its `DatasetInfo` first and its batches once the first epoch is known.

A folder is streamed (`kgan.data.streaming.ImageFolder`); every other source is read into memory
(`ArraySource`). `kgan.train` opens its data here.
"""

from kgan.data.pipeline import make_dataset
from kgan.data.sources import load_arrays
from kgan.data.streaming import ImageFolder


class ArraySource:
    """A data set read into memory (`load_arrays`), with the interface of a streamed `ImageFolder`."""

    def __init__(self, images, labels, info):
        self.images, self.labels, self.info = images, labels, info

    def dataset(self, *, batch_size, seed, epochs, initial_epoch=0):
        """Epoch-indexed batches (see `make_dataset`)."""
        return make_dataset(
            self.images, self.labels, batch_size=batch_size, seed=seed, epochs=epochs, initial_epoch=initial_epoch
        )

    def explain(self, error):
        """Arrays hold no undecodable file: `None`."""
        return None


def open_source(
    name="mnist_embedded",
    path=None,
    *,
    split="train",
    data_dir=None,
    image_size=None,
    channels=None,
    resize="stretch",
    cache="auto",
):
    """Opens a data set for training: its `info` at once, its batches (`dataset(...)`) when the first epoch is known.

    A `"folder"` is an `ImageFolder`: indexed by its files' headers, then streamed from disk or read into memory as
    `cache` says (`kgan.data.streaming.CACHE_MODES`). Every other source is read into memory by `load_arrays`.
    Both give `dataset(batch_size=, seed=, epochs=, initial_epoch=)` and `explain(error)` (a one-line error naming
    the file behind a decoding error during training, or `None`).

    Args:
        name, path, split, data_dir, image_size, channels, resize: As for `load_arrays`.
        cache: For a folder, one of `CACHE_MODES`; other sources are in memory whatever it says.

    Returns:
        An `ImageFolder` or an `ArraySource`.
    """
    if name == "folder" and path is not None:
        if split != "train":
            raise ValueError(f"A folder has a single split, 'train'. Received: split={split!r}")
        return ImageFolder(path, image_size=image_size, channels=channels, resize=resize, cache=cache)
    images, labels, info = load_arrays(
        name, path, split=split, data_dir=data_dir, image_size=image_size, channels=channels, resize=resize
    )
    return ArraySource(images, labels, info)
