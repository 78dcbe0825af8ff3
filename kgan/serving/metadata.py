"""The folders TF Serving reads (one integer version each) and kgan's `kgan.json` metadata in them."""

import dataclasses
import datetime
import json
import pathlib
import re

import numpy as np
import tensorflow as tf

from kgan.core.utils import read_json_object
from kgan.core.version import __version__
from kgan.serving.trust import FINGERPRINT_KEY

METADATA_PATH = pathlib.Path("assets.extra", "kgan.json")

# TF Serving treats a child folder as a version only if its name is an integer,
# so temporary folders named `.tmp-...` are invisible to it.
_VERSION_PATTERN = re.compile(r"[0-9]+")
# Keys of `kgan.json` that kgan computes; callers may not set them.
_RESERVED_METADATA_KEYS = ("kgan_version", "created", "generator_spec", FINGERPRINT_KEY)
# Keys kgan reads from the generator's spec; a caller's value must agree with them. They stay beside
# `generator_spec` (the whole spec) for readers older than it.
_MODEL_METADATA_KEYS = ("latent_dim", "image_shape", "num_classes", "latent_distribution")


def read_metadata(export_dir):
    """Reads the `kgan.json` metadata that `export_generator` wrote.

    Args:
        export_dir: a version folder, or a model folder (highest version).

    Returns:
        The metadata dict: the caller's `metadata` plus `kgan_version`,
        `created`, `latent_dim`, `image_shape`, `num_classes`,
        `latent_distribution`, `generator_spec` (the
        `kgan.core.spec.GeneratorSpec`'s config) and `saved_model_sha256`
        (the graph's fingerprint); exports older than these lack them.

    Raises:
        FileNotFoundError: if `export_dir` or its `kgan.json` does not exist.
        ValueError: if `export_dir` is not a SavedModel or folder of versions,
            or its `kgan.json` is not a JSON object.

    Example:

    ```python
    read_metadata("saved_models/mnist_infogan")["latent_dim"]  # 100
    ```
    """
    path = resolve_export_dir(export_dir) / METADATA_PATH
    if not path.is_file():
        raise FileNotFoundError(
            f"No kgan metadata at {path}; was this exported by "
            f"kgan.serving.export_generator? Received: export_dir={str(export_dir)!r}"
        )
    return read_json_object(path, "export metadata")


def latest_version(model_dir):
    """Returns the highest version in a model folder, as TF Serving sees it.

    Args:
        model_dir: a model folder such as `saved_models/mnist_infogan`.

    Returns:
        The largest integer among the names of `model_dir`'s subfolders, or
        None if `model_dir` does not exist or has no version folders.
        Temporary `.tmp-*` folders of exports in progress are not versions.

    Example:

    ```python
    latest_version("saved_models/mnist_infogan")  # 2
    ```
    """
    model_dir = pathlib.Path(model_dir)
    if not model_dir.is_dir():
        return None
    versions = [
        int(child.name) for child in model_dir.iterdir() if _VERSION_PATTERN.fullmatch(child.name) and child.is_dir()
    ]
    return max(versions, default=None)


def metadata_json(metadata, spec):
    """The text of `kgan.json` for a generator with `GeneratorSpec` `spec`; raises before anything is written."""
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict. Received: metadata={metadata!r}")
    reserved = sorted(set(metadata) & set(_RESERVED_METADATA_KEYS))
    if reserved:
        raise ValueError(f"metadata keys {reserved} are set by kgan. Received: metadata={metadata!r}")
    from_model = {
        "latent_dim": spec.latent_dim,
        "image_shape": list(spec.image_shape),
        "num_classes": spec.num_classes,
        "latent_distribution": spec.latent_distribution,
    }
    for key in _MODEL_METADATA_KEYS:
        if key not in metadata:
            continue
        given = metadata[key]
        if isinstance(given, tuple):
            given = list(given)
        if key == "num_classes" and spec.conditional and spec.num_classes is None:
            from_model[key] = given  # e.g. labels not fed to an Embedding
            spec = dataclasses.replace(spec, num_classes=given)
        elif given != from_model[key]:
            raise ValueError(
                f"metadata[{key!r}] disagrees with the generator's "
                f"{from_model[key]!r}. Received: {key}={metadata[key]!r}"
            )

    document = {
        **metadata,
        **from_model,
        "generator_spec": spec.to_config(),
        "kgan_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    try:
        return json.dumps(document, indent=2, default=_numpy_to_json)
    except (TypeError, ValueError) as e:
        raise ValueError(f"metadata must be JSON-serialisable ({e}). Received: metadata={metadata!r}") from None


def fingerprinted(metadata_text, fingerprint):
    """`metadata_json`'s text with the sha256 of the export's `saved_model.pb` added (`kgan.serving.trust`)."""
    return json.dumps({**json.loads(metadata_text), FINGERPRINT_KEY: fingerprint}, indent=2)


def _numpy_to_json(value):
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def resolve_export_dir(export_dir):
    """Returns the version folder that `export_dir` names, as TF Serving picks."""
    path = pathlib.Path(export_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"No export at {path}. Received: export_dir={str(export_dir)!r}")
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
