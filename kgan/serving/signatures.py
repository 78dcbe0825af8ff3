"""What an exported generator serves: its three signatures, from the generator's inputs and outputs."""

import keras
import tensorflow as tf

from kgan.core._keras_compat import add_untracked_endpoint
from kgan.core.spec import GeneratorSpec

SIGNATURE_NAME = "serving_default"
UINT8_SIGNATURE_NAME = "images_uint8"
PNG_SIGNATURE_NAME = "png"


def inspect_generator(generator, latent_distribution="normal", num_classes=None):
    """The generator's `GeneratorSpec`, after the checks of what an export can serve.

    Raises:
        ValueError: if `generator` is not a functional `keras.Model` from float latent vectors `(batch,
            latent_dim)` (and labels `(batch,)`, `(batch, 1)` or one-hot `(batch, num_classes)`) to images
            `(batch, H, W, C)`.
    """
    if not isinstance(generator, keras.Model):
        raise ValueError(f"generator must be a keras.Model. Received: generator={type(generator).__name__}")
    try:
        inputs, outputs = generator.inputs, generator.outputs
    except AttributeError:
        inputs = outputs = None
    if not inputs or len(inputs) not in (1, 2):
        raise ValueError(
            "generator must be a functional keras.Model with 1 input (latent) "
            "or 2 inputs (latent, labels). Received: inputs="
            f"{None if not inputs else [tuple(x.shape) for x in inputs]}"
        )
    latent = inputs[0]
    if len(latent.shape) != 2 or latent.shape[1] is None or not keras.backend.is_float_dtype(latent.dtype):
        raise ValueError(
            "generator's first input must be float latent vectors of shape "
            f"(batch, latent_dim). Received: shape={tuple(latent.shape)}, "
            f"dtype={latent.dtype}"
        )
    if len(outputs) != 1 or len(outputs[0].shape) != 4:
        raise ValueError(
            "generator must return one batch of images of shape "
            "(batch, H, W, C). Received: outputs="
            f"{[tuple(x.shape) for x in outputs]}"
        )
    if len(inputs) == 2:
        label_shape = tuple(inputs[1].shape[1:])
        if label_shape not in ((), (1,)) and (len(label_shape) != 1 or label_shape[0] is None):
            raise ValueError(
                "generator's second input must be labels of shape (batch,), "
                "(batch, 1) or one-hot (batch, num_classes). "
                f"Received: shape={tuple(inputs[1].shape)}"
            )
    return GeneratorSpec.from_generator(generator, latent_distribution, num_classes)


def write_saved_model(generator, spec, path):
    """Writes the SavedModel with its three signatures to `path`."""
    latent_spec = tf.TensorSpec((None, spec.latent_dim), tf.float32, name="latent")
    latent_dtype = generator.inputs[0].dtype

    if spec.conditional:
        label_dtype = generator.inputs[1].dtype

        def generate(latent, labels):
            if spec.label_shape == (1,):
                labels = labels[:, None]
            elif spec.label_shape != ():
                labels = tf.one_hot(labels, spec.label_shape[0])
            images = generator(
                [tf.cast(latent, latent_dtype), tf.cast(labels, label_dtype)],
                training=False,
            )
            return tf.cast(images, tf.float32)

        signature = [latent_spec, tf.TensorSpec((None,), tf.int32, name="labels")]
    else:

        def generate(latent):
            return tf.cast(generator(tf.cast(latent, latent_dtype), training=False), tf.float32)

        signature = [latent_spec]

    def serve(*inputs):
        return {"images": generate(*inputs)}

    def serve_uint8(*inputs):
        return {"images": _to_uint8(generate(*inputs))}

    def serve_png(*inputs):
        pixels = _to_uint8(generate(*inputs))
        # TF Serving's REST API sends outputs whose name ends in `_bytes` as
        # {"b64": "..."}, so clients get ready-to-save PNG files.
        png = tf.map_fn(tf.io.encode_png, pixels, fn_output_signature=tf.string)
        return {"png_bytes": png}

    archive = keras.export.ExportArchive()
    # No `archive.track(generator)`: it would store every weight twice (keras-team/keras#23553).
    add_untracked_endpoint(archive, SIGNATURE_NAME, _named_like(serve, signature), signature)
    add_untracked_endpoint(archive, UINT8_SIGNATURE_NAME, _named_like(serve_uint8, signature), signature)
    add_untracked_endpoint(archive, PNG_SIGNATURE_NAME, _named_like(serve_png, signature), signature)
    archive.write_out(str(path), verbose=False)


def _to_uint8(images):
    """[-1, 1] floats -> [0, 255] uint8 pixels, as `kgan.core.plotting.to_uint8` does."""
    return tf.cast(tf.clip_by_value(tf.round((images + 1.0) * 127.5), 0.0, 255.0), tf.uint8)


def _named_like(fn, signature):
    """`fn(*inputs)` with named positional parameters, so signature inputs keep their names."""
    if len(signature) == 2:
        return lambda latent, labels: fn(latent, labels)
    return lambda latent: fn(latent)
