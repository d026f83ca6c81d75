"""The weekly report's chart: leads per day as bars, drawn server-side into a PNG (no fonts beyond Pillow's own:
the labels are digits, the words around the chart are in the e-mail)."""

import io
from datetime import date

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 560, 220
MARGIN_X, TOP, BOTTOM = 24, 28, 36
BAR = (37, 99, 235)  # the e-mails' blue
AXIS = (203, 213, 225)
TEXT = (71, 85, 105)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


def leads_chart(per_day: list[tuple[date, int]]) -> bytes:
    """A PNG of one bar per day with its count above and the date (dd.mm) below."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = _font(13)
    base = HEIGHT - BOTTOM
    draw.line([(MARGIN_X, base), (WIDTH - MARGIN_X, base)], fill=AXIS, width=1)
    top = max((count for _, count in per_day), default=0) or 1
    slot = (WIDTH - 2 * MARGIN_X) / max(len(per_day), 1)
    bar_width = slot * 0.6
    for i, (day, count) in enumerate(per_day):
        left = MARGIN_X + i * slot + (slot - bar_width) / 2
        height = (base - TOP) * count / top
        if count:
            draw.rectangle([(left, base - height), (left + bar_width, base - 1)], fill=BAR)
        centre = left + bar_width / 2
        draw.text((centre, base - height - 4), str(count), fill=TEXT, font=font, anchor="ms")
        draw.text((centre, base + 8), f"{day:%d.%m}", fill=TEXT, font=font, anchor="mt")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
