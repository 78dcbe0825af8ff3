"""Export a trained generator as a TensorFlow SavedModel for TF Serving.

TF Serving watches a model folder and serves the highest integer version it
finds in it:

```
saved_models/            # base_dir
  mnist_dcgan_fc/           # name: mount this as /models/mnist_dcgan_fc
    1/
    2/                   # a version: a complete SavedModel
      saved_model.pb
      variables/
      assets.extra/kgan.json   # kgan's metadata; TF Serving ignores it
```

`export_generator` writes one version with a single `serving_default`
signature, `latent` (and `labels`) in, `images` out, and only ever publishes a
complete folder. The export holds TensorFlow ops and variables only, so loading
it needs neither kgan nor Keras. `load_generator` wraps an export in a function
that takes and returns NumPy arrays. See `docs/serving.md` for the TF Serving
side.

Example:

```python
path = kgan.export.export_generator(
    generator, "saved_models", "mnist_dcgan_fc", metadata={"epochs": 20}
)  # saved_models/mnist_dcgan_fc/1
generate = kgan.export.load_generator("saved_models/mnist_dcgan_fc")
images = generate(np.random.normal(size=(16, generate.latent_dim)))
```
"""

import datetime
import errno
import json
import numbers
import os
import pathlib
import re
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

SIGNATURE_NAME = "serving_default"
UINT8_SIGNATURE_NAME = "images_uint8"
PNG_SIGNATURE_NAME = "png"
METADATA_PATH = pathlib.Path("assets.extra", "kgan.json")

# TF Serving treats a child folder as a version only if its name is an integer,
# so temporary folders named `.tmp-...` are invisible to it.
_VERSION_PATTERN = re.compile(r"[0-9]+")
# Keys of `kgan.json` that kgan computes; callers may not set them.
_RESERVED_METADATA_KEYS = ("kgan_version", "created")
# Keys kgan reads from the generator; a caller's value must agree with them.
_MODEL_METADATA_KEYS = ("latent_dim", "image_shape", "num_classes")


def export_generator(
    generator,
    base_dir="saved_models",
    name="generator",
    *,
    version=None,
    metadata=None,
    overwrite=False,
):
    """Exports a generator as a TF Serving SavedModel at `base_dir/name/version`.

    The SavedModel has three signatures, all with the inputs `latent`,
    float32 of shape `(None, latent_dim)`, and, if the generator has two
    inputs, `labels`, int32 of shape `(None,)`:

    - `serving_default`: output `images`, float32 `(None, H, W, C)`, whatever
      the generator returns (in [-1, 1] for a tanh generator);
    - `images_uint8`: output `images`, uint8 `(None, H, W, C)` pixels,
      `round((x + 1) * 127.5)` clipped to [0, 255];
    - `png`: output `png_bytes`, string `(None,)`, one PNG file per image (TF
      Serving's REST API returns it base64-encoded as `{"b64": ...}`).

    The generator runs in inference mode (`training=False`), so BatchNorm uses
    its moving statistics. A conditional generator whose labels input has shape
    `(1,)` gets the labels reshaped, and one whose labels input has shape
    `(num_classes,)` gets them one-hot encoded, so clients always send integer
    class ids.

    The export is written to a temporary sibling folder
    (`base_dir/name/.tmp-<version>-<random>`) and renamed into place only when
    complete, so TF Serving never sees half a model; if anything fails, the
    temporary folder is removed and existing versions are left untouched.

    Args:
        generator: a functional `keras.Model` taking `latent` of shape
            `(batch, latent_dim)`, or `[latent, labels]` with integer labels of
            shape `(batch,)`, `(batch, 1)`, or one-hot `(batch, num_classes)`,
            and returning images of shape `(batch, H, W, C)`.
        base_dir: folder holding one subfolder per served model.
        name: the model's folder name inside `base_dir`; TF Serving's
            `MODEL_NAME` by convention. A plain folder name, without slashes.
        version: positive integer version. Defaults to one more than the
            highest existing version, or 1.
        metadata: optional JSON-serialisable dict describing the model (for
            example `architecture`, `latent_distribution`, `dataset`,
            `epochs`), written to `<version>/assets.extra/kgan.json` together
            with kgan's version, `latent_dim`, `image_shape`, `num_classes`
            (None if unconditional) and the creation time.
        overwrite: whether an existing `version` may be replaced. The new
            export swaps in atomically where the OS allows (Linux), otherwise
            the old folder is moved aside first. A running TF Serving does not
            reload a version it has already loaded, so publish new weights as
            a new version.

    Returns:
        The `pathlib.Path` of the written version folder.

    Raises:
        ValueError: if `generator` is not a functional `keras.Model` with one
            or two inputs of the shapes above, `name` is not a plain folder
            name, `version` is not a positive integer, or `metadata` is not a
            JSON-serialisable dict that agrees with the generator (and leaves
            `kgan_version` and `created` to kgan).
        FileExistsError: if `version` already exists and `overwrite` is False.

    Example:

    ```python
    # `generator`: a trained functional keras.Model, latent_dim 100.
    path = export_generator(
        generator, "saved_models", "mnist_dcgan_fc",
        metadata={"architecture": "dcgan", "latent_distribution": "normal"},
    )
    # saved_models/mnist_dcgan_fc/1; serve saved_models/mnist_dcgan_fc with
    # TF Serving as docs/serving.md shows.
    ```
    """
    spec = _inspect_generator(generator)
    _check_name(name)
    if version is not None:
        _check_version(version)
        version = int(version)
    metadata_text = _metadata_json(metadata, spec)

    model_dir = pathlib.Path(base_dir) / name
    if version is None:
        version = (latest_version(model_dir) or 0) + 1
    target = model_dir / str(version)
    if os.path.lexists(target) and not overwrite:
        raise FileExistsError(
            f"Version {version} of {name!r} already exists at {target}; pass "
            f"overwrite=True or another version. Received: version={version}"
        )

    created_dirs = [d for d in (model_dir, *model_dir.parents) if not d.exists()]
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp_dir = pathlib.Path(
        tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=model_dir)
    )
    # mkdtemp makes the folder private (0700); a server running as another
    # user must be able to read the published version.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_dir, 0o777 & ~umask)
    try:
        _write_saved_model(generator, spec, tmp_dir)
        (tmp_dir / METADATA_PATH).parent.mkdir(exist_ok=True)
        (tmp_dir / METADATA_PATH).write_text(metadata_text)
        _publish(tmp_dir, target, overwrite=overwrite)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        for d in created_dirs:  # innermost first; rmdir leaves non-empty ones
            try:
                d.rmdir()
            except OSError:
                break
        raise
    return target


def load_generator(export_dir):
    """Loads an exported generator as a NumPy function.

    Only TensorFlow is needed to run the export; this is the Python
    counterpart of a TF Serving `predict` call.

    Args:
        export_dir: a version folder (`saved_models/mnist_dcgan_fc/3`), or a
            model folder (`saved_models/mnist_dcgan_fc`), in which case the
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
    generate = load_generator("saved_models/mnist_dcgan_fc")
    images = generate(np.random.normal(size=(16, generate.latent_dim)))
    digits = generate(np.random.normal(size=(10, 100)), labels=np.arange(10))
    ```
    """
    path = _resolve_export_dir(export_dir)
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


def read_metadata(export_dir):
    """Reads the `kgan.json` metadata that `export_generator` wrote.

    Args:
        export_dir: a version folder, or a model folder (highest version).

    Returns:
        The metadata dict: the caller's `metadata` plus `kgan_version`,
        `created`, `latent_dim`, `image_shape` and `num_classes`.

    Raises:
        FileNotFoundError: if `export_dir` or its `kgan.json` does not exist.
        ValueError: if `export_dir` is not a SavedModel or folder of versions.

    Example:

    ```python
    read_metadata("saved_models/mnist_dcgan_fc")["latent_dim"]  # 100
    ```
    """
    path = _resolve_export_dir(export_dir) / METADATA_PATH
    if not path.is_file():
        raise FileNotFoundError(
            f"No kgan metadata at {path}; was this exported by "
            f"kgan.export.export_generator? Received: export_dir={str(export_dir)!r}"
        )
    return json.loads(path.read_text())


def latest_version(model_dir):
    """Returns the highest version in a model folder, as TF Serving sees it.

    Args:
        model_dir: a model folder such as `saved_models/mnist_dcgan_fc`.

    Returns:
        The largest integer among the names of `model_dir`'s subfolders, or
        None if `model_dir` does not exist or has no version folders.
        Temporary `.tmp-*` folders of exports in progress are not versions.

    Example:

    ```python
    latest_version("saved_models/mnist_dcgan_fc")  # 2
    ```
    """
    model_dir = pathlib.Path(model_dir)
    if not model_dir.is_dir():
        return None
    versions = [
        int(child.name)
        for child in model_dir.iterdir()
        if _VERSION_PATTERN.fullmatch(child.name) and child.is_dir()
    ]
    return max(versions, default=None)


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


class _GeneratorSpec:
    """What export needs to know about a generator's inputs and outputs."""

    def __init__(self, latent_dim, image_shape, label_shape=None, num_classes=None):
        self.latent_dim = latent_dim
        self.image_shape = image_shape
        self.label_shape = label_shape  # the generator's, without the batch
        self.num_classes = num_classes

    @property
    def conditional(self):
        return self.label_shape is not None


def _inspect_generator(generator):
    if not isinstance(generator, keras.Model):
        raise ValueError(
            "generator must be a keras.Model. "
            f"Received: generator={type(generator).__name__}"
        )
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
    if (
        len(latent.shape) != 2
        or latent.shape[1] is None
        or not keras.backend.is_float_dtype(latent.dtype)
    ):
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
    image_shape = tuple(outputs[0].shape[1:])
    if len(inputs) == 1:
        return _GeneratorSpec(latent.shape[1], image_shape)

    labels = inputs[1]
    label_shape = tuple(labels.shape[1:])
    if label_shape not in ((), (1,)) and (
        len(label_shape) != 1 or label_shape[0] is None
    ):
        raise ValueError(
            "generator's second input must be labels of shape (batch,), "
            "(batch, 1) or one-hot (batch, num_classes). "
            f"Received: shape={tuple(labels.shape)}"
        )
    if label_shape not in ((), (1,)):
        num_classes = label_shape[0]  # one-hot
    else:
        num_classes = _embedding_size(generator, labels)
    return _GeneratorSpec(latent.shape[1], image_shape, label_shape, num_classes)


def _embedding_size(generator, labels):
    """Returns `input_dim` of the Embedding fed by `labels`, if there is one."""
    for layer in generator.layers:
        if isinstance(layer, keras.layers.Embedding):
            try:
                if layer.input is labels:
                    return layer.input_dim
            except (AttributeError, ValueError):  # layer used more than once
                continue
    return None


def _check_name(name):
    if (
        not isinstance(name, str)
        or name in ("", ".", "..")
        or "/" in name
        or (os.altsep and os.altsep in name)
        or os.sep in name
    ):
        raise ValueError(
            "name must be a plain folder name, without slashes. "
            f"Received: name={name!r}"
        )


def _check_version(version):
    if (
        not isinstance(version, numbers.Integral)
        or isinstance(version, bool)
        or version < 1
    ):
        raise ValueError(
            f"version must be a positive integer. Received: version={version!r}"
        )


def _metadata_json(metadata, spec):
    """Returns the text of `kgan.json`, or raises before anything is written."""
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ValueError(
            f"metadata must be a dict. Received: metadata={metadata!r}"
        )
    reserved = sorted(set(metadata) & set(_RESERVED_METADATA_KEYS))
    if reserved:
        raise ValueError(
            f"metadata keys {reserved} are set by kgan. "
            f"Received: metadata={metadata!r}"
        )
    from_model = {
        "latent_dim": spec.latent_dim,
        "image_shape": list(spec.image_shape),
        "num_classes": spec.num_classes,
    }
    for key in _MODEL_METADATA_KEYS:
        if key not in metadata:
            continue
        given = metadata[key]
        if isinstance(given, tuple):
            given = list(given)
        if key == "num_classes" and spec.conditional and spec.num_classes is None:
            from_model[key] = given  # e.g. labels not fed to an Embedding
        elif given != from_model[key]:
            raise ValueError(
                f"metadata[{key!r}] disagrees with the generator's "
                f"{from_model[key]!r}. Received: {key}={metadata[key]!r}"
            )
    import kgan  # here, not at the top: kgan/__init__ may import this module

    document = {
        **metadata,
        **from_model,
        "kgan_version": kgan.__version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
    }
    try:
        return json.dumps(document, indent=2, default=_numpy_to_json)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"metadata must be JSON-serialisable ({e}). "
            f"Received: metadata={metadata!r}"
        ) from None


def _numpy_to_json(value):
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _write_saved_model(generator, spec, path):
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
    # No `archive.track(generator)`: the endpoints track the variables they use,
    # and tracking the Keras variables too stores every weight twice (once per
    # wrapper), doubling the export's size.
    archive.add_endpoint(SIGNATURE_NAME, _named_like(serve, signature), input_signature=signature)
    archive.add_endpoint(UINT8_SIGNATURE_NAME, _named_like(serve_uint8, signature), input_signature=signature)
    archive.add_endpoint(PNG_SIGNATURE_NAME, _named_like(serve_png, signature), input_signature=signature)
    archive.write_out(str(path), verbose=False)


def _to_uint8(images):
    """[-1, 1] floats -> [0, 255] uint8 pixels, as `kgan.core.plotting.to_uint8` does."""
    return tf.cast(tf.clip_by_value(tf.round((images + 1.0) * 127.5), 0.0, 255.0), tf.uint8)


def _named_like(fn, signature):
    """`fn(*inputs)` with named positional parameters, so signature inputs keep their names."""
    if len(signature) == 2:
        return lambda latent, labels: fn(latent, labels)
    return lambda latent: fn(latent)


def _publish(tmp_dir, target, overwrite):
    """Renames the finished export `tmp_dir` to `target`."""
    if overwrite and os.path.lexists(target):
        # Move the old version aside, swap the new one in, then drop the old;
        # if the swap fails the old version is put back.
        aside = pathlib.Path(tempfile.mkdtemp(prefix=f".old-{target.name}-", dir=target.parent))
        old = aside / target.name
        os.rename(target, old)
        try:
            os.rename(tmp_dir, target)
        except BaseException:
            os.rename(old, target)
            shutil.rmtree(aside, ignore_errors=True)
            raise
        shutil.rmtree(aside, ignore_errors=True)
        return
    try:
        os.rename(tmp_dir, target)
    except OSError as e:
        # Another export took this version since we checked.
        if e.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise FileExistsError(
                f"Version {target.name} appeared at {target} during export. "
                f"Received: version={target.name}"
            ) from e
        raise


def _resolve_export_dir(export_dir):
    """Returns the version folder that `export_dir` names, as TF Serving picks."""
    path = pathlib.Path(export_dir)
    if not path.is_dir():
        raise FileNotFoundError(
            f"No export at {path}. Received: export_dir={str(export_dir)!r}"
        )
    if not tf.saved_model.contains_saved_model(str(path)):
        version = latest_version(path)
        if version is not None:
            path = path / str(version)
    if not tf.saved_model.contains_saved_model(str(path)):
        raise ValueError(
            f"{path} is not a SavedModel (no saved_model.pb) nor a folder of "
            f"integer versions. Received: export_dir={str(export_dir)!r}"
        )
    return path
