"""Screenshots are rewritten only when the picture visibly changed (no browser needed)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from tests.browser.screenshots import same_picture, save_screenshot


def png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8), "RGB").save(out, format="PNG")
    return out.getvalue()


def picture() -> np.ndarray:
    """A page-like picture: light background, dark "text" stripes."""
    pixels = np.full((120, 200, 3), 245, dtype=np.int16)
    pixels[20:30, 10:150] = 30
    pixels[50:60, 10:120] = 30
    return pixels


def test_anti_aliasing_noise_is_the_same_picture_and_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "shot.png"
    original = png(picture())
    assert save_screenshot(path, original)
    noisy = picture()
    noisy[20:23, 148:152] += 3  # edge pixels a shade off, as Chromium's anti-aliasing does from run to run
    noisy[0, 0] = 0  # and one odd pixel
    assert png(noisy) != original
    assert not save_screenshot(path, png(noisy))
    assert path.read_bytes() == original


def test_a_visible_change_rewrites_the_file(tmp_path: Path) -> None:
    path = tmp_path / "shot.png"
    save_screenshot(path, png(picture()))
    changed = picture()
    changed[80:90, 10:18] = 30  # one more letter
    assert save_screenshot(path, png(changed))
    assert path.read_bytes() == png(changed)
    taller = np.full((130, 200, 3), 245, dtype=np.int16)
    assert not same_picture(png(changed), png(taller))


def test_an_unreadable_file_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "shot.png"
    path.write_bytes(b"not a png")
    assert save_screenshot(path, png(picture()))
    assert path.read_bytes() == png(picture())
