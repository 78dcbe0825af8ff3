"""The `folder` source: a folder of your own images, optionally one subfolder per class."""

import os
import stat
import warnings

import numpy as np

from kgan.data.validation import MAX_ARRAY_BYTES, MAX_IMAGE_PIXELS, convert_images, fitted_boxes

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
# The most images a folder walk collects: a walk that finds more (about ImageNet's training set) is almost surely
# pointed at the wrong folder (a home directory, a disk root), and even streamed, each file's header is read first.
MAX_FOLDER_IMAGES = 1_000_000


def _is_image_file(filename):
    return not filename.startswith(".") and filename.lower().endswith(IMAGE_EXTENSIONS)


def _stat(path):
    try:
        return os.stat(path)  # follows symlinks: a link to a regular file is a regular file
    except OSError:  # a broken link, or a file removed while walking
        return None


def _list_images(directory, recursive, seen_dirs, found):
    """The regular image files under `directory`, sorted.

    Only regular files count (a FIFO named `x.png` would block the read forever, a device would never end).
    Symlinked folders are followed once: `seen_dirs` holds the (device, inode) of every folder walked, so a
    link back up the tree (a loop) or a second link to the same folder adds no image twice.
    """
    files, pending = [], [directory]
    while pending:
        folder = pending.pop()
        info = _stat(folder)
        if info is None or (info.st_dev, info.st_ino) in seen_dirs:
            continue
        seen_dirs.add((info.st_dev, info.st_ino))
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.startswith("."):
                    continue
                entry_info = _stat(entry.path)
                if entry_info is None:
                    continue
                if stat.S_ISDIR(entry_info.st_mode):
                    if recursive:
                        pending.append(entry.path)
                elif stat.S_ISREG(entry_info.st_mode) and _is_image_file(entry.name):
                    files.append(entry.path)
                    if len(files) + found > MAX_FOLDER_IMAGES:
                        raise ValueError(
                            f"{directory} holds more than {MAX_FOLDER_IMAGES} images; is it the right folder? "
                            f"Received: path={directory!r}"
                        )
    return sorted(files)


def _open_image(file, image_size, total_bytes):
    """Opens `file` after checking the size its header claims (PIL reads only the header until `convert`)."""
    from PIL import Image  # noqa: PLC0415 (Pillow comes with matplotlib; only this source needs it)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit below is lower
            with Image.open(file) as picture:
                width, height = picture.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValueError(
                        f"Image is {width}x{height} pixels, more than kgan reads ({MAX_IMAGE_PIXELS} pixels). "
                        f"Received: file={file!r}"
                    )
                out_height, out_width = image_size or (height, width)
                if total_bytes + out_height * out_width * 3 > MAX_ARRAY_BYTES:
                    raise ValueError(
                        f"The images of the folder would take more than {MAX_ARRAY_BYTES} bytes; resize them "
                        f"smaller (image_size) or use fewer. Received: file={file!r}"
                    )
                return picture.convert("RGB")
    except Image.DecompressionBombError as e:  # Pillow's own limit, far above ours, checked in `open`
        raise ValueError(
            f"Image is more than kgan reads ({MAX_IMAGE_PIXELS} pixels): {e} Received: file={file!r}"
        ) from e
    except OSError as e:
        raise ValueError(f"Could not read image ({e}). Received: file={file!r}") from e


def list_folder(path):
    """The image files of the folder `path` in a fixed order, their labels and class names.

    A folder with subfolders is labelled by them (sorted names; each class's files walked recursively); a folder
    without any has no labels (`labels` and `class_names` are `None`). Only the walk: no image is opened.

    Raises:
        FileNotFoundError: if `path` is not a folder.
        ValueError: if it mixes top-level images with class subfolders, holds no image, or more than
            `MAX_FOLDER_IMAGES`.
    """
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"No such image folder. Received: path={path!r}")
    seen_dirs = set()
    top_level = _list_images(path, recursive=False, seen_dirs=seen_dirs, found=0)
    class_names = []
    for name in sorted(os.listdir(path)):
        info = _stat(os.path.join(path, name))
        # A link to the folder itself or to another class is not a class of its own.
        if (
            not name.startswith(".")
            and info
            and stat.S_ISDIR(info.st_mode)
            and (info.st_dev, info.st_ino) not in seen_dirs
        ):
            class_names.append(name)
    if class_names:
        if top_level:
            raise ValueError(
                f"{path} mixes images at its top level with class subfolders "
                f"{class_names}; put every image in a class subfolder, or none. "
                f"Received: path={path!r}"
            )
        files, labels = [], []
        for index, class_name in enumerate(class_names):
            class_files = _list_images(os.path.join(path, class_name), True, seen_dirs, found=len(files))
            files.extend(class_files)
            labels.extend([index] * len(class_files))
        labels = np.asarray(labels, dtype=np.int32)
    else:
        files, labels, class_names = top_level, None, None
    if not files:
        raise ValueError(f"Found no images ({', '.join(IMAGE_EXTENSIONS)}) in {path}. Received: path={path!r}")
    return files, labels, class_names


def load_folder(path, image_size, channels, resize="stretch"):
    """Reads a folder of images, labelled by class subfolders if it has any (`resize`: see `RESIZE_POLICIES`)."""
    from PIL import Image  # noqa: PLC0415

    files, labels, class_names = list_folder(path)
    size_given = image_size is not None
    arrays, total_bytes = [], 0
    for file in files:
        picture = _open_image(file, image_size, total_bytes)
        width, height = picture.size
        if image_size is None:
            image_size = (height, width)  # The first image sets the size.
        elif not size_given and (height, width) != image_size:
            raise ValueError(
                f"Images differ in size: {files[0]} is {image_size[1]}x{image_size[0]} "
                f"but {file} is {width}x{height} (width x height); pass "
                "image_size=(height, width) (--image-size HxW) to resize them all. "
                "Received: image_size=None"
            )
        if (height, width) != image_size:
            (top, left, h, w), (out_h, out_w), (pad_top, pad_left) = fitted_boxes(height, width, image_size, resize)
            picture = picture.crop((left, top, left + w, top + h)).resize((out_w, out_h), Image.Resampling.BILINEAR)
            if (out_h, out_w) != image_size:  # pad: centred on black
                canvas = Image.new(picture.mode, (image_size[1], image_size[0]))
                canvas.paste(picture, (pad_left, pad_top))
                picture = canvas
        arrays.append(np.asarray(picture, dtype=np.uint8))
        total_bytes += arrays[-1].nbytes
    images = np.stack(arrays)
    if channels is None:
        # Greyscale files, and RGB files whose three channels agree, are grey.
        grey = (images[..., 0] == images[..., 1]).all() and (images[..., 1] == images[..., 2]).all()
        channels = 1 if grey else 3
    return convert_images(images, None, channels), labels, class_names
