"""How a covered region looks, drawn straight into a 4:2:0 frame's planes (no colour conversion
of the whole frame): the luma plane at full size and both chroma planes at half size, over the
even-aligned rectangle ``geometry.pixels`` gives, and nothing outside it.

- blur: the region shrunk to about a tenth of its size and stretched back smoothly, which keeps
  its average colours and leaves no feature a face could be known by;
- pixelate: the same shrink stretched back as blocks, about eight across;
- solid: black.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from onrecord.redaction.options import Style

Plane = npt.NDArray[np.uint8]


def _cover(region: Plane, style: Style, black: int) -> None:
    h, w = region.shape
    if style is Style.SOLID:
        region[:] = black
        return
    across = 8 if style is Style.PIXELATE else 10
    small_w = max(1, min(w, -(-w // max(1, -(-max(w, h) // across)))))
    small_h = max(1, min(h, -(-h // max(1, -(-max(w, h) // across)))))
    small = cv2.resize(region, (small_w, small_h), interpolation=cv2.INTER_AREA)
    how = cv2.INTER_NEAREST if style is Style.PIXELATE else cv2.INTER_LINEAR
    region[:] = cv2.resize(small, (w, h), interpolation=how)


def cover(
    planes: tuple[Plane, Plane, Plane], rect: tuple[int, int, int, int], style: Style
) -> None:
    """Cover ``rect`` (x, y, w, h, even, in luma pixels) of the Y, U and V ``planes`` in place."""
    x, y, w, h = rect
    luma, u, v = planes
    _cover(luma[y : y + h, x : x + w], style, 16)
    for chroma in (u, v):
        _cover(chroma[y // 2 : (y + h) // 2, x // 2 : (x + w) // 2], style, 128)


def split(frame: npt.NDArray[np.uint8], height: int, width: int) -> tuple[Plane, Plane, Plane]:
    """The Y, U, V planes of a yuv420p frame laid out as PyAV's ``to_ndarray`` gives it (views)."""
    flat = frame.reshape(-1)
    luma = flat[: height * width].reshape(height, width)
    quarter = (height // 2) * (width // 2)
    u = flat[height * width : height * width + quarter].reshape(height // 2, width // 2)
    v = flat[height * width + quarter : height * width + 2 * quarter].reshape(
        height // 2, width // 2
    )
    return luma, u, v
