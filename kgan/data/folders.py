"""The `folder` source: a folder of your own images, optionally one subfolder per class."""

import os

import numpy as np

from kgan.data.validation import convert_images

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def _is_image_file(filename):
    return not filename.startswith(".") and filename.lower().endswith(IMAGE_EXTENSIONS)


def _list_images(directory, recursive):
    if not recursive:
        return sorted(
            os.path.join(directory, f)
            for f in os.listdir(directory)
            if _is_image_file(f) and os.path.isfile(os.path.join(directory, f))
        )
    files = []
    for root, dirs, filenames in os.walk(directory, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        files.extend(os.path.join(root, f) for f in filenames if _is_image_file(f))
    return sorted(files)


def load_folder(path, image_size, channels):
    """Reads a folder of images, labelled by class subfolders if it has any."""
    # Imported here: Pillow comes with matplotlib but only this source needs it.
    from PIL import Image

    path = os.fspath(path)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"No such image folder. Received: path={path!r}")
    class_names = sorted(d for d in os.listdir(path) if not d.startswith(".") and os.path.isdir(os.path.join(path, d)))
    top_level = _list_images(path, recursive=False)
    if class_names:
        if top_level:
            raise ValueError(
                f"{path} mixes images at its top level with class subfolders "
                f"{class_names}; put every image in a class subfolder, or none. "
                f"Received: path={path!r}"
            )
        files, labels = [], []
        for index, class_name in enumerate(class_names):
            class_files = _list_images(os.path.join(path, class_name), recursive=True)
            files.extend(class_files)
            labels.extend([index] * len(class_files))
        labels = np.asarray(labels, dtype=np.int32)
    else:
        files, labels, class_names = top_level, None, None
    if not files:
        raise ValueError(f"Found no images ({', '.join(IMAGE_EXTENSIONS)}) in {path}. Received: path={path!r}")

    resize = image_size is not None
    arrays = []
    for file in files:
        try:
            with Image.open(file) as picture:
                picture = picture.convert("RGB")
        except OSError as e:
            raise ValueError(f"Could not read image ({e}). Received: file={file!r}") from e
        width, height = picture.size
        if image_size is None:
            image_size = (height, width)  # The first image sets the size.
        elif not resize and (height, width) != image_size:
            raise ValueError(
                f"Images differ in size: {files[0]} is {image_size[1]}x{image_size[0]} "
                f"but {file} is {width}x{height} (width x height); pass "
                "image_size=(height, width) to resize them all. "
                "Received: image_size=None"
            )
        if (height, width) != image_size:
            picture = picture.resize((image_size[1], image_size[0]), Image.Resampling.BILINEAR)
        arrays.append(np.asarray(picture, dtype=np.uint8))
    images = np.stack(arrays)
    if channels is None:
        # Greyscale files, and RGB files whose three channels agree, are grey.
        grey = (images[..., 0] == images[..., 1]).all() and (images[..., 1] == images[..., 2]).all()
        channels = 1 if grey else 3
    return convert_images(images, None, channels), labels, class_names
