"""`export_generator`: a generator as a new TF Serving version, published only when complete (see `kgan.serving`)."""

import errno
import numbers
import os
import pathlib
import shutil
import tempfile

from kgan.core import GAN
from kgan.core.utils import temporary_prefix
from kgan.serving.metadata import METADATA_PATH, fingerprinted, latest_version, metadata_json
from kgan.serving.signatures import inspect_generator, write_saved_model
from kgan.serving.trust import saved_model_fingerprint


def export_generator(
    generator,
    base_dir="saved_models",
    name="generator",
    *,
    version=None,
    metadata=None,
    overwrite=False,
    spec=None,
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
    (`base_dir/name/.tmp-<version>-pid<N>-<random>`) and renamed into place only when
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
            (None if unconditional), `latent_distribution`, the generator's
            whole spec (`generator_spec`), the creation time and the sha256
            of `saved_model.pb` (`saved_model_sha256`, which
            `load_generator` checks).
        overwrite: whether an existing `version` may be replaced. The new
            export swaps in atomically where the OS allows (Linux), otherwise
            the old folder is moved aside first. A running TF Serving does not
            reload a version it has already loaded, so publish new weights as
            a new version.
        spec: the generator's `kgan.core.spec.GeneratorSpec` (a GAN's
            `gan.spec`), checked against the generator. Default: read from the
            generator, with `metadata`'s `latent_distribution` (or `"normal"`).
            `generator` may also be a `kgan.GAN`: its `sampler` is exported
            with its `spec`.

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
        generator, "saved_models", "mnist_infogan",
        metadata={"architecture": "dcgan", "latent_distribution": "normal"},
    )
    # saved_models/mnist_infogan/1; serve saved_models/mnist_infogan with
    # TF Serving as docs/serving.md shows.
    ```
    """
    if isinstance(generator, GAN):
        spec = generator.spec if spec is None else spec
        generator = generator.sampler
    if spec is None:
        given = metadata.get("latent_distribution", "normal") if isinstance(metadata, dict) else "normal"
        spec = inspect_generator(generator, given)
    elif inspect_generator(generator, spec.latent_distribution, spec.num_classes) != spec:
        raise ValueError(f"`spec` disagrees with the generator's {inspect_generator(generator)}. Received: spec={spec}")
    check_export_name(name)
    if version is not None:
        check_version(version)
        version = int(version)
    metadata_text = metadata_json(metadata, spec)

    return publish_export(
        base_dir, name, version, lambda folder: write_saved_model(generator, spec, folder), metadata_text, overwrite
    )


def publish_export(base_dir, name, version, write, metadata_text, overwrite=False):
    """Writes one export version atomically: `write(folder)` in a temporary folder, `kgan.json`, then a rename.

    Shared by every kind of export (generators here, CycleGAN's translators in `translation.py`): nothing is
    published half-written, an existing version is never replaced unless `overwrite`, and the folders it made are
    removed again if anything fails.

    Args:
        base_dir, name: the export is `<base_dir>/<name>/<version>`.
        version: a positive int, or None for one above the highest existing version.
        write: a function of the temporary folder that writes the SavedModel into it.
        metadata_text: the JSON text of `kgan.json`; the SavedModel's fingerprint is added to it.
        overwrite: whether an existing `version` may be replaced (atomically where the OS allows).

    Returns:
        The `pathlib.Path` of the written version folder.
    """
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
    tmp_dir = pathlib.Path(tempfile.mkdtemp(prefix=temporary_prefix(version), dir=model_dir))
    # mkdtemp makes the folder private (0700); a server running as another
    # user must be able to read the published version.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_dir, 0o777 & ~umask)
    try:
        write(tmp_dir)
        # The graph as written, so `load_generator` can tell an export kgan wrote from one changed since.
        metadata_text = fingerprinted(metadata_text, saved_model_fingerprint(tmp_dir))
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


def check_export_name(name):
    """Refuses an export (model) name that is not a plain folder name; `train` checks it before any epoch."""
    if (
        not isinstance(name, str)
        or name in ("", ".", "..")
        or "/" in name
        or (os.altsep and os.altsep in name)
        or os.sep in name
    ):
        raise ValueError(f"The export name must be a plain folder name, without slashes. Received: name={name!r}")


def check_version(version):
    if not isinstance(version, numbers.Integral) or isinstance(version, bool) or version < 1:
        raise ValueError(f"version must be a positive integer. Received: version={version!r}")


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
                f"Version {target.name} appeared at {target} during export. Received: version={target.name}"
            ) from e
        raise
