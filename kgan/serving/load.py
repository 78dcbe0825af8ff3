"""`load_generator`: an export as a function of NumPy arrays (the export itself runs with TensorFlow alone)."""

import numpy as np
import tensorflow as tf

from kgan.core.spec import GeneratorSpec
from kgan.core.utils import read_json_object
from kgan.serving.metadata import METADATA_PATH, resolve_export_dir
from kgan.serving.signatures import SIGNATURE_NAME
from kgan.serving.trust import check_export


def load_generator(export_dir, *, trust=False):
    """Loads an exported generator as a NumPy function.

    Only TensorFlow is needed to run the export; this is the Python
    counterpart of a TF Serving `predict` call.

    An export is a program: before loading it, its graph is read (not run)
    and refused if it holds an op a kgan generator does not need (file, process
    or network access, Python functions: `kgan.serving.trust.check_export`) or
    if it does not match the fingerprint kgan recorded in its `kgan.json`. See
    docs/serving.md, "Exports you did not write".

    Args:
        export_dir: a version folder (`saved_models/mnist_infogan/3`), or a
            model folder (`saved_models/mnist_infogan`), in which case the
            highest version is loaded, as TF Serving would.
        trust: skip those checks and run whatever the export holds; only for
            an export you trust (`kgan sample`/`kgan evaluate`: `--trust-export`).

    Returns:
        An `ExportedGenerator`: call it as `generate(latent)` or
        `generate(latent, labels)` to get float32 images of shape
        `(batch, H, W, C)`. It also has `spec` (the generator's
        `kgan.core.spec.GeneratorSpec`, from `kgan.json`), `latent_dim`,
        `image_shape`, `num_classes` and `path` attributes.

    Raises:
        FileNotFoundError: if `export_dir` does not exist.
        ValueError: if `export_dir` is not a SavedModel, a folder of versions,
            or has no `serving_default` signature taking `latent`, or its
            `kgan.json` cannot be read.
        kgan.serving.trust.UntrustedExportError: (a ValueError) if the export's
            graph holds an op outside the allow-list, or does not match its
            fingerprint, and `trust` is False.

    Example:

    ```python
    generate = load_generator("saved_models/mnist_infogan")
    images = generate(np.random.normal(size=(16, generate.latent_dim)))
    digits = generate(np.random.normal(size=(10, 100)), labels=np.arange(10))
    ```
    """
    path = resolve_export_dir(export_dir)
    metadata = read_json_object(path / METADATA_PATH, "export metadata") if (path / METADATA_PATH).is_file() else {}
    if not trust:
        check_export(path, metadata)
    loaded = tf.saved_model.load(str(path))
    signature = loaded.signatures.get(SIGNATURE_NAME)
    input_specs = signature.structured_input_signature[1] if signature else {}
    if "latent" not in input_specs:
        raise ValueError(
            f"{path} has no {SIGNATURE_NAME!r} signature with a 'latent' "
            f"input; it is not a kgan generator export. "
            f"Received: export_dir={str(export_dir)!r}"
        )
    return ExportedGenerator(loaded, signature, path, export_spec(signature, metadata, path / METADATA_PATH))


def export_spec(signature, metadata, metadata_path="kgan.json"):
    """The exported generator's `GeneratorSpec`: `kgan.json`'s `generator_spec`, checked against the signature.

    Exports older than `generator_spec` (such as the shipped `saved_models/mnist_infogan/1`) get a spec
    from the signature and `kgan.json`'s `latent_distribution` and `num_classes`; kgan's exports map [-1, 1].
    """
    inputs = signature.structured_input_signature[1]
    latent_dim = inputs["latent"].shape[-1]
    conditional = "labels" in inputs
    image_shape = tuple(signature.structured_outputs["images"].shape[1:])
    if "generator_spec" not in metadata:
        return GeneratorSpec(
            latent_dim,
            metadata.get("latent_distribution", "normal"),
            num_classes=metadata.get("num_classes"),
            label_shape=(1,) if conditional else None,
            image_shape=image_shape,
        )
    try:
        spec = GeneratorSpec.from_config(metadata["generator_spec"])
    except (TypeError, ValueError) as error:
        raise ValueError(f"{metadata_path} holds a bad generator_spec: {error}".splitlines()[0]) from None
    if (spec.latent_dim, spec.conditional, spec.image_shape) != (latent_dim, conditional, image_shape):
        raise ValueError(
            f"kgan.json's generator_spec disagrees with the export's signature (latent size "
            f"{latent_dim}, conditional={conditional}, images {image_shape}). Received: {spec}"
        )
    return spec


class ExportedGenerator:
    """An exported generator loaded with TensorFlow only, called on NumPy arrays.

    Returned by `load_generator`; not meant to be built directly.

    Attributes:
        path: the version folder loaded.
        spec: the generator's `kgan.core.spec.GeneratorSpec`.
        latent_dim: size of a latent vector.
        image_shape: `(H, W, C)` of one generated image.
        num_classes: number of classes of a conditional generator, if its
            metadata records it; None for an unconditional one.
        conditional: whether calls need `labels`.
    """

    def __init__(self, loaded, signature, path, spec):
        self._loaded = loaded  # keeps the variables alive
        self._signature = signature
        self.path = path
        self.spec = spec

    latent_dim = property(lambda self: self.spec.latent_dim)
    image_shape = property(lambda self: self.spec.image_shape)
    num_classes = property(lambda self: self.spec.num_classes)
    conditional = property(lambda self: self.spec.conditional)

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
            raise ValueError(f"latent must have shape (batch, {self.latent_dim}); Received: shape={latent.shape}")
        inputs = {"latent": tf.constant(latent)}
        labels = self.spec.check_labels(labels, len(latent))
        if labels is not None:
            inputs["labels"] = tf.constant(labels)
        return self._signature(**inputs)["images"].numpy()

    def __repr__(self):
        return (
            f"<ExportedGenerator path={str(self.path)!r} "
            f"latent_dim={self.latent_dim} image_shape={self.image_shape} "
            f"conditional={self.conditional}>"
        )


def load_export_of_kind(export_dir, kind, what, needs, *, trust=False):
    """Loads an export whose `kgan.json` names its `kind` (image translation, text to image), checked first.

    Args:
        export_dir: the export folder or one of its version folders.
        kind: the `kind` its `kgan.json` must name.
        what: such an export, for the error (`"an image-translation export"`).
        needs: which command needs it and what makes one (`"--translate needs a CycleGAN export"`).
        trust: skip the trust check (`kgan.serving.trust.check_export`).

    Returns:
        `(loaded, path, metadata)`: the `tf.saved_model.load` result, the version folder and its `kgan.json`.

    Raises:
        FileNotFoundError: if `export_dir` does not exist.
        ValueError: if its `kgan.json` names another kind, or (`kgan.serving.trust.UntrustedExportError`) its
            graph fails the trust check and `trust` is False.
    """
    path = resolve_export_dir(export_dir)
    metadata_path = path / METADATA_PATH
    metadata = read_json_object(metadata_path, "export metadata") if metadata_path.is_file() else {}
    if metadata.get("kind") != kind:
        raise ValueError(
            f"{path} is not {what} (no kind {kind!r} in its kgan.json); {needs}. "
            f"Received: export_dir={str(export_dir)!r}"
        )
    if not trust:
        check_export(path, metadata)
    return tf.saved_model.load(str(path)), path, metadata
