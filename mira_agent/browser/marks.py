"""Set-of-marks: draw each element's id on a screenshot, for models that read images."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

PALETTE = (
    (230, 25, 75),
    (60, 180, 75),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (0, 128, 128),
)


def draw_marks(png: bytes, boxes: Sequence[Sequence[float | str]], *, scale: float = 1.0) -> bytes:
    """Return `png` with a labelled rectangle per ``(id, x, y, width, height)`` box.

    Boxes are in CSS pixels; `scale` is the device pixel ratio of the screenshot.
    """
    image = Image.open(io.BytesIO(png)).convert("RGB")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    for n, (element_id, x, y, w, h) in enumerate(boxes):
        colour = PALETTE[n % len(PALETTE)]
        left, top = float(x) * scale, float(y) * scale
        right, bottom = left + float(w) * scale, top + float(h) * scale
        draw.rectangle((left, top, right, bottom), outline=colour, width=2)
        label = str(element_id)
        tw, th = draw.textbbox((0, 0), label, font=font)[2:]
        ly = max(0.0, top - th - 2)
        draw.rectangle((left, ly, left + tw + 4, ly + th + 2), fill=colour)
        draw.text((left + 2, ly + 1), label, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
