"""Screenshots kept in docs/screenshots/: a file is rewritten only when its picture visibly changed.

Chromium's PNGs of the same page differ from run to run in a few anti-aliased
pixels (and in their bytes), which would leave the git tree dirty after every
test run. Comparing decoded pixels with a small tolerance keeps the file when
nothing a reader could see has changed.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Final

import numpy as np
from PIL import Image

#: A channel may differ this much (of 255) before its pixel counts as changed: anti-aliasing noise stays below it.
CHANNEL_TOLERANCE: Final = 32
#: More changed pixels than this is a visible change (one changed letter of text is more).
PIXEL_TOLERANCE: Final = 16


def _pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGBA"), dtype=np.int16)


def same_picture(old: bytes, new: bytes) -> bool:
    """Whether two PNGs show the same picture: equal sizes and at most a few slightly different pixels."""
    try:
        before, after = _pixels(old), _pixels(new)
    except OSError:  # an unreadable old file: not the same picture
        return False
    if before.shape != after.shape:
        return False
    changed = np.abs(before - after).max(axis=2) > CHANNEL_TOLERANCE
    return int(changed.sum()) <= PIXEL_TOLERANCE


def save_screenshot(path: Path, png: bytes) -> bool:
    """Write ``png`` to ``path`` unless the file there already shows the same picture; True when written."""
    if path.exists() and same_picture(path.read_bytes(), png):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return True
