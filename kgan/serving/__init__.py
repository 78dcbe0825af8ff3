"""Export a trained generator as a TensorFlow SavedModel for TF Serving.

TF Serving watches a model folder and serves the highest integer version it
finds in it:

```
saved_models/            # base_dir
  mnist_infogan/           # name: mount this as /models/mnist_infogan
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
that takes and returns NumPy arrays, after reading the export's graph and
refusing one that holds ops a generator does not need (`trust`). See
`docs/serving.md` for the TF Serving side and the threat model.

Example:

```python
path = kgan.serving.export_generator(
    generator, "saved_models", "mnist_infogan", metadata={"epochs": 20}
)  # saved_models/mnist_infogan/1
generate = kgan.serving.load_generator("saved_models/mnist_infogan")
images = generate(np.random.normal(size=(16, generate.latent_dim)))
```

Modules: `export` (`export_generator`), `signatures` (what the SavedModel
serves), `metadata` (`kgan.json` and the version folders), `load`
(`load_generator`), `trust` (which exports may run: the graph's ops against an
allow-list, the fingerprint in `kgan.json`) and `explore` (samples,
interpolations and grids of a generator).
"""

from kgan.serving.export import export_generator
from kgan.serving.load import ExportedGenerator, load_generator
from kgan.serving.metadata import METADATA_PATH, latest_version, read_metadata
from kgan.serving.signatures import PNG_SIGNATURE_NAME, SIGNATURE_NAME, UINT8_SIGNATURE_NAME
from kgan.serving.trust import UntrustedExportError, check_export

__all__ = [
    "METADATA_PATH",
    "PNG_SIGNATURE_NAME",
    "SIGNATURE_NAME",
    "UINT8_SIGNATURE_NAME",
    "ExportedGenerator",
    "UntrustedExportError",
    "check_export",
    "export_generator",
    "latest_version",
    "load_generator",
    "read_metadata",
]
