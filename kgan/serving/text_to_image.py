"""Text-to-image exports (StackGAN): `export_text_to_image` writes one, `load_text_to_image` runs one.

The SavedModel's `serving_default` takes `text` (a string tensor, one caption per image) and returns `images`
(the stage-II images, float32 in [-1, 1]) and `stage1_images` (stage I's); its latent vectors are drawn at each
call. A signature cannot have an optional input, so the same function with the latent given is a second
signature, `text_and_latent` (`text` and `latent`, float32 `(N, latent_dim)` standard normal draws): the same
caption and latent give the same images. The caption's words, its vocabulary included, are inside the export
(`TextVectorization`'s lookup table), so a client sends plain sentences. `kgan.json` records the image shapes,
the latent size, and the templates the model was trained on.
"""

import json

import keras
import numpy as np
import tensorflow as tf

from kgan.core._keras_compat import add_untracked_endpoint
from kgan.core.latent import latent_from_seed
from kgan.core.version import __version__
from kgan.data.captions import TRAIN_TEMPLATES
from kgan.serving.export import check_export_name, check_version, publish_export
from kgan.serving.load import load_export_of_kind
from kgan.serving.signatures import SIGNATURE_NAME

LATENT_SIGNATURE_NAME = "text_and_latent"
_KIND = "text_to_image"


def export_text_to_image(model, base_dir="saved_models", name="stackgan", *, version=None, metadata=None):
    """Exports a trained StackGAN's text encoder, G0 and G1 as one SavedModel at `base_dir/name/version`.

    Written into a temporary sibling folder and renamed into place when complete (`publish_export`).

    Args:
        model: a `kgan.variants.StackGAN`.
        base_dir, name, version: as `kgan.serving.export_generator`'s.
        metadata: optional JSON-serialisable dict added to `kgan.json` (e.g. the run's settings).

    Returns:
        The `pathlib.Path` of the written version folder.
    """
    check_export_name(name)
    if version is not None:
        check_version(version)
    if metadata is not None and not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict. Received: metadata={metadata!r}")
    document = {
        **(metadata or {}),
        "kind": _KIND,
        "signatures": [SIGNATURE_NAME, LATENT_SIGNATURE_NAME],
        "latent_dim": model.latent_dim,
        "image_shape": list(model.image_shape),
        "stage1_image_shape": list(model.low_shape),
        "caption_templates": list(TRAIN_TEMPLATES),
        "kgan_version": __version__,
    }
    try:
        text = json.dumps(document, indent=2)
    except (TypeError, ValueError) as error:
        raise ValueError(f"metadata must be JSON-serialisable ({error}). Received: metadata={metadata!r}") from None
    version = None if version is None else int(version)
    return publish_export(base_dir, name, version, lambda folder: _write_saved_model(model, folder), text)


def _write_saved_model(model, path):
    encoder, g0, g1 = model.text_encoder, model.stage1_generator, model.stage2_generator
    archive = keras.export.ExportArchive()
    # The vocabulary is a lookup table, not a variable: only `track` puts it in the export. Tracking the
    # TextVectorization layer alone (it has no weights) keeps every weight stored once, through the endpoints
    # (`add_untracked_endpoint`); tracking the whole encoder would store its weights twice.
    for layer in encoder.layers:
        if isinstance(layer, keras.layers.TextVectorization):
            archive.track(layer)

    def generate(text, latent):
        embedding = encoder(text, training=False)
        low, _ = g0([tf.cast(latent, g0.inputs[0].dtype), embedding], training=False)
        images, _ = g1([low, embedding], training=False)
        return {"images": tf.cast(images, tf.float32), "stage1_images": tf.cast(low, tf.float32)}

    def serve(text):
        return generate(text, tf.random.normal((tf.shape(text)[0], model.latent_dim)))

    text_spec = tf.TensorSpec((None,), tf.string, name="text")
    latent_spec = tf.TensorSpec((None, model.latent_dim), tf.float32, name="latent")
    add_untracked_endpoint(archive, SIGNATURE_NAME, serve, [text_spec])
    add_untracked_endpoint(archive, LATENT_SIGNATURE_NAME, generate, [text_spec, latent_spec])
    archive.write_out(str(path), verbose=False)


def load_text_to_image(export_dir, *, trust=False):
    """Loads a text-to-image export as an `ExportedTextToImage` (checked first, as `load_generator` does).

    Raises:
        FileNotFoundError: if `export_dir` does not exist.
        ValueError: if it is not a text-to-image export (its `kgan.json` says which kind it is), or
            (`kgan.serving.trust.UntrustedExportError`) its graph fails the trust check and `trust` is False.
    """
    loaded, path, metadata = load_export_of_kind(
        export_dir, _KIND, "a text-to-image export", "--text needs a StackGAN export", trust=trust
    )
    return ExportedTextToImage(loaded, path, metadata)


class ExportedTextToImage:
    """A loaded text-to-image export: `model(captions, seed)` on Python strings.

    Attributes:
        path: the version folder loaded.
        latent_dim: the size of its latent vectors.
        metadata: its `kgan.json`.
    """

    def __init__(self, loaded, path, metadata):
        self._loaded = loaded  # keeps the variables alive
        self.path = path
        self.metadata = metadata
        self.latent_dim = int(loaded.signatures[LATENT_SIGNATURE_NAME].structured_input_signature[1]["latent"].shape[1])

    def __call__(self, captions, seed=0, stage1=False):
        """Images for `captions` (one each), latent vectors from `seed` (`kgan.core.latent.latent_from_seed`).

        Returns:
            float32 NumPy images in [-1, 1]; with `stage1`, `(images, stage1_images)`.
        """
        captions = [str(c) for c in np.atleast_1d(np.asarray(captions, dtype=object))]
        empty = [c for c in captions if not c.strip()]
        if not captions or empty:
            raise ValueError(f"Every caption must be a non-empty sentence. Received: captions={captions[:3]!r}")
        latent = latent_from_seed(seed, self.latent_dim, count=len(captions))
        outputs = self._loaded.signatures[LATENT_SIGNATURE_NAME](
            text=tf.constant(captions), latent=tf.constant(latent, tf.float32)
        )
        images = outputs["images"].numpy()
        return (images, outputs["stage1_images"].numpy()) if stage1 else images
