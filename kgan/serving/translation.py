"""Image-to-image exports (CycleGAN): `export_translator` writes one, `load_translator` runs one.

The SavedModel has a signature per direction, `a_to_b` and `b_to_a`, each taking `images` (float32, `(None, H,
W, C)` in [-1, 1]) and returning `images` (the translations, float32 in [-1, 1]); `a_to_b_uint8` and
`b_to_a_uint8` return uint8 pixels, `a_to_b_png` and `b_to_a_png` PNG files (`png_bytes`), as a generator's
export does (`kgan.serving.signatures`); `serving_default` is `a_to_b`. Its `kgan.json` records both domains'
image shapes and how each domain's images are prepared (`framing`, `preprocessing`), so a client feeds images prepared
the same way (`ExportedTranslator.prepare`).
"""

import json

import keras
import numpy as np
import tensorflow as tf

from kgan.core._keras_compat import add_untracked_endpoint
from kgan.core.version import __version__
from kgan.data.domains import describe_preparation, domain_framing, prepare_domain
from kgan.serving.export import check_export_name, check_version, publish_export
from kgan.serving.load import load_export_of_kind
from kgan.serving.signatures import SIGNATURE_NAME, _to_uint8

DIRECTIONS = ("a_to_b", "b_to_a")
# How the images of both domains were prepared for training (kgan.data.domains.prepare_domain); each domain's
# own `framing` and `preprocessing` are in `domains`.
PREPROCESSING = (
    "bilinear tf.image.resize (no antialiasing) framed as each domain's `framing` says (its `preprocessing`), then "
    "x / 127.5 - 1 (uint8 -> [-1, 1])"
)
_KIND = "image_translation"


def export_translator(model, base_dir="saved_models", name="cyclegan", *, version=None, metadata=None):
    """Exports a trained CycleGAN's two generators as one SavedModel at `base_dir/name/version`.

    Written into a temporary sibling folder and renamed into place when complete, as `export_generator` does.

    Args:
        model: a `kgan.variants.CycleGAN` (anything with `generator_ab` and `generator_ba`).
        base_dir, name, version: as `kgan.serving.export_generator`'s.
        metadata: optional JSON-serialisable dict added to `kgan.json` (e.g. the domains' names).

    Returns:
        The `pathlib.Path` of the written version folder.
    """
    check_export_name(name)
    if version is not None:
        check_version(version)
    if metadata is not None and not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict. Received: metadata={metadata!r}")
    generators = {"a_to_b": model.generator_ab, "b_to_a": model.generator_ba}
    shape = tuple(int(d) for d in model.generator_ab.input_shape[1:])
    domains = {"a": {"image_shape": list(shape)}, "b": {"image_shape": list(shape)}}
    for domain, info in (metadata or {}).get("domains", {}).items():
        domains.setdefault(domain, {}).update(info)
    for info in domains.values():
        info.setdefault("framing", domain_framing(info.get("source")))
        info.setdefault("preprocessing", describe_preparation(info["framing"]))
    document = {
        **(metadata or {}),
        "kind": _KIND,
        "signatures": list(DIRECTIONS),
        "domains": domains,
        "preprocessing": PREPROCESSING,
        "kgan_version": __version__,
    }
    try:
        text = json.dumps(document, indent=2)
    except (TypeError, ValueError) as error:
        raise ValueError(f"metadata must be JSON-serialisable ({error}). Received: metadata={metadata!r}") from None
    version = None if version is None else int(version)
    return publish_export(base_dir, name, version, lambda folder: _write_saved_model(generators, shape, folder), text)


def _write_saved_model(generators, shape, path):
    spec = [tf.TensorSpec((None, *shape), tf.float32, name="images")]
    archive = keras.export.ExportArchive()
    for direction, generator in generators.items():
        serve, serve_uint8, serve_png = _endpoints(generator)
        add_untracked_endpoint(archive, direction, serve, spec)
        add_untracked_endpoint(archive, f"{direction}_uint8", serve_uint8, spec)
        add_untracked_endpoint(archive, f"{direction}_png", serve_png, spec)
        if direction == "a_to_b":
            add_untracked_endpoint(archive, SIGNATURE_NAME, serve, spec)
    archive.write_out(str(path), verbose=False)


def _endpoints(generator):
    """The three functions served for one direction (one parameter each, named `images`)."""

    def translate(images):
        return tf.cast(generator(tf.cast(images, generator.inputs[0].dtype), training=False), tf.float32)

    def serve(images):
        return {"images": translate(images)}

    def serve_uint8(images):
        return {"images": _to_uint8(translate(images))}

    def serve_png(images):
        # Outputs named `*_bytes` reach TF Serving's REST clients base64-encoded, as a generator's `png`.
        pixels = _to_uint8(translate(images))
        return {"png_bytes": tf.map_fn(tf.io.encode_png, pixels, fn_output_signature=tf.string)}

    return serve, serve_uint8, serve_png


def load_translator(export_dir, *, trust=False):
    """Loads an image-translation export as an `ExportedTranslator` (checked first, as `load_generator` does).

    Raises:
        FileNotFoundError: if `export_dir` does not exist.
        ValueError: if it is not an image-translation export (its `kgan.json` says which kind it is), or
            (`kgan.serving.trust.UntrustedExportError`) its graph fails the trust check and `trust` is False.
    """
    loaded, path, metadata = load_export_of_kind(
        export_dir, _KIND, "an image-translation export", "--translate needs a CycleGAN export", trust=trust
    )
    return ExportedTranslator(loaded, path, metadata)


class ExportedTranslator:
    """A loaded image-translation export: `translator(images, "b_to_a")` on NumPy arrays.

    Attributes:
        path: the version folder loaded.
        image_shape: `(H, W, C)` the signatures take and return.
        metadata: its `kgan.json`.
    """

    def __init__(self, loaded, path, metadata):
        self._loaded = loaded  # keeps the variables alive
        self.path = path
        self.metadata = metadata
        self.image_shape = tuple(loaded.signatures["a_to_b"].structured_input_signature[1]["images"].shape[1:])

    def __call__(self, images, direction="a_to_b"):
        """Translates float images `(N, H, W, C)` in [-1, 1]; returns float32 NumPy images of the same shape."""
        if direction not in DIRECTIONS:
            raise ValueError(f"The direction must be one of {DIRECTIONS}. Received: direction={direction!r}")
        images = np.asarray(images, dtype="float32")
        if images.ndim != 4 or tuple(images.shape[1:]) != self.image_shape:
            raise ValueError(
                f"The images must have shape (N, {', '.join(map(str, self.image_shape))}) for this export. "
                f"Received: shape={images.shape}"
            )
        return self._loaded.signatures[direction](images=tf.constant(images))["images"].numpy()

    def prepare(self, images, domain="a"):
        """uint8 images of any size `(N, H, W, C)` -> the export's inputs, prepared as `domain`'s training images
        were (`"a"` for `a_to_b`, `"b"` for `b_to_a`)."""
        if domain not in ("a", "b"):
            raise ValueError(f"`domain` must be 'a' or 'b'. Received: domain={domain!r}")
        framing = self.metadata.get("domains", {}).get(domain, {}).get("framing", "fill")
        return prepare_domain(images, self.image_shape[:2], framing)
