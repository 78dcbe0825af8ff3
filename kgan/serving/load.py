"""`load_generator`: an export as a function of NumPy arrays, with TensorFlow only (no kgan, no Keras needed)."""

import json

import numpy as np
import tensorflow as tf

from kgan.serving.metadata import METADATA_PATH, resolve_export_dir
from kgan.serving.signatures import SIGNATURE_NAME


def load_generator(export_dir):
    """Loads an exported generator as a NumPy function.

    Only TensorFlow is needed to run the export; this is the Python
    counterpart of a TF Serving `predict` call.

    Args:
        export_dir: a version folder (`saved_models/mnist_infogan/3`), or a
            model folder (`saved_models/mnist_infogan`), in which case the
            highest version is loaded, as TF Serving would.

    Returns:
        An `ExportedGenerator`: call it as `generate(latent)` or
        `generate(latent, labels)` to get float32 images of shape
        `(batch, H, W, C)`. It also has `latent_dim`, `image_shape`,
        `num_classes` and `path` attributes.

    Raises:
        FileNotFoundError: if `export_dir` does not exist.
        ValueError: if `export_dir` is not a SavedModel, a folder of versions,
            or has no `serving_default` signature taking `latent`.

    Example:

    ```python
    generate = load_generator("saved_models/mnist_infogan")
    images = generate(np.random.normal(size=(16, generate.latent_dim)))
    digits = generate(np.random.normal(size=(10, 100)), labels=np.arange(10))
    ```
    """
    path = resolve_export_dir(export_dir)
    loaded = tf.saved_model.load(str(path))
    signature = loaded.signatures.get(SIGNATURE_NAME)
    input_specs = signature.structured_input_signature[1] if signature else {}
    if "latent" not in input_specs:
        raise ValueError(
            f"{path} has no {SIGNATURE_NAME!r} signature with a 'latent' "
            f"input; it is not a kgan generator export. "
            f"Received: export_dir={str(export_dir)!r}"
        )
    num_classes = None
    if (path / METADATA_PATH).is_file():
        num_classes = json.loads((path / METADATA_PATH).read_text()).get(
            "num_classes"
        )
    return ExportedGenerator(loaded, signature, path, num_classes)



class ExportedGenerator:
    """An exported generator loaded with TensorFlow only, called on NumPy arrays.

    Returned by `load_generator`; not meant to be built directly.

    Attributes:
        path: the version folder loaded.
        latent_dim: size of a latent vector.
        image_shape: `(H, W, C)` of one generated image.
        num_classes: number of classes of a conditional generator, if its
            metadata records it; None for an unconditional one.
        conditional: whether calls need `labels`.
    """

    def __init__(self, loaded, signature, path, num_classes=None):
        self._loaded = loaded  # keeps the variables alive
        self._signature = signature
        input_specs = signature.structured_input_signature[1]
        self.path = path
        self.latent_dim = input_specs["latent"].shape[-1]
        self.conditional = "labels" in input_specs
        self.num_classes = num_classes
        self.image_shape = tuple(
            signature.structured_outputs["images"].shape[1:]
        )

    def __call__(self, latent, labels=None):
        """Generates images.

        Args:
            latent: array of shape `(batch, latent_dim)`, drawn from the
                distribution the generator was trained on.
            labels: for a conditional generator, integer class ids of shape
                `(batch,)`, or one id for the whole batch.

        Returns:
            float32 NumPy array of shape `(batch, H, W, C)`.

        Raises:
            ValueError: if `latent` or `labels` has the wrong shape, `labels`
                is missing for a conditional generator or given for an
                unconditional one, or a label is out of range.
        """
        latent = np.asarray(latent, dtype=np.float32)
        if latent.ndim != 2 or latent.shape[1] != self.latent_dim:
            raise ValueError(
                f"latent must have shape (batch, {self.latent_dim}); "
                f"Received: shape={latent.shape}"
            )
        inputs = {"latent": tf.constant(latent)}
        if self.conditional:
            inputs["labels"] = tf.constant(self._check_labels(labels, len(latent)))
        elif labels is not None:
            raise ValueError(
                f"This generator is unconditional and takes no labels. "
                f"Received: labels={labels!r}"
            )
        return self._signature(**inputs)["images"].numpy()

    def _check_labels(self, labels, batch_size):
        if labels is None:
            raise ValueError(
                "This generator is conditional; pass labels of shape "
                f"({batch_size},). Received: labels=None"
            )
        labels = np.asarray(labels)
        if not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"labels must be integer class ids. Received: dtype={labels.dtype}"
            )
        if labels.ndim == 0:
            labels = np.full((batch_size,), labels)
        if labels.shape != (batch_size,):
            raise ValueError(
                f"labels must have shape ({batch_size},) to match latent; "
                f"Received: shape={labels.shape}"
            )
        if self.num_classes and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(
                f"labels must lie in [0, {self.num_classes}); "
                f"Received: labels={labels.tolist()}"
            )
        return labels.astype(np.int32)

    def __repr__(self):
        return (
            f"<ExportedGenerator path={str(self.path)!r} "
            f"latent_dim={self.latent_dim} image_shape={self.image_shape} "
            f"conditional={self.conditional}>"
        )
