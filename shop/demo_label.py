"""Draw a label-like picture of a demo product: a container silhouette in the form's shape with the
brand, product name, dose and form on its label, and a colour band for the nutrient mix.

Only the demo catalog uses this; real products get photos uploaded in the admin.
"""
from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CANVAS = 800
BACKGROUND = (246, 244, 239)
INK = (33, 37, 41)
MUTED_INK = (88, 94, 102)
LABEL_PAPER = (255, 255, 255)
OUTLINE = (60, 64, 70)

# One band colour per nutrient mix, so the same kind of product looks alike across brands.
BAND_COLOURS: dict[str, tuple[int, int, int]] = {
    "d3": (242, 169, 0),
    "k2-mk7": (46, 125, 50),
    "k2-mk4": (0, 121, 107),
    "d3+k2-mk7": (230, 126, 34),
    "d3+k2-mk4": (192, 57, 43),
}
DEFAULT_BAND = (96, 125, 139)

CONTAINER_COLOURS: dict[str, tuple[int, int, int]] = {
    "softgel": (120, 72, 30),
    "capsule": (236, 236, 232),
    "tablet": (250, 250, 247),
    "gummy": (255, 214, 102),
    "drops": (110, 60, 25),
    "spray": (210, 226, 240),
    "powder": (236, 239, 241),
}

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans when installed; otherwise Pillow's built-in scalable font (Pillow >= 10.1)."""
    filename = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / filename).exists():
            return ImageFont.truetype(str(folder / filename), size)
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, max_width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _fitted_lines(draw, text: str, box: tuple[int, int], sizes: tuple[int, ...], bold: bool, gap: int,
                  split_plus: bool = False):
    """The largest font size at which ``text``, word-wrapped, fits ``box`` (width, height).

    With ``split_plus``, a combination dose ("5,000 IU D3 + 100 mcg K2") breaks before each "+",
    and each nutrient's amount stays on one line unless it cannot fit at any size.
    """
    max_width, max_height = box
    segments = text.split(" + ") if split_plus else [text]
    segments = segments[:1] + [f"+ {segment}" for segment in segments[1:]]
    for allow_wrap in ((False, True) if split_plus else (True,)):
        for size in sizes:
            font = _font(size, bold)
            if allow_wrap:
                lines = [line for segment in segments for line in _wrap(draw, segment, font, max_width)]
            else:
                lines = segments
            fits_width = all(draw.textlength(line, font=font) <= max_width for line in lines)
            if fits_width and len(lines) * (size + gap) - gap <= max_height:
                return font, size, lines
    size = sizes[-1]
    font = _font(size, bold)
    lines = _wrap(draw, text, font, max_width)
    return font, size, lines[: max(1, (max_height + gap) // (size + gap))]


def _draw_container(draw: ImageDraw.ImageDraw, form: str) -> tuple[int, int, int, int]:
    """Draw the container for ``form``; return the label rectangle (left, top, right, bottom)."""
    body = CONTAINER_COLOURS.get(form, (220, 220, 220))
    if form == "powder":
        # A wide tub with a screw lid.
        draw.rounded_rectangle((150, 170, 650, 250), radius=18, fill=(70, 80, 90), outline=OUTLINE, width=4)
        draw.rounded_rectangle((130, 240, 670, 720), radius=40, fill=body, outline=OUTLINE, width=4)
        return 160, 300, 640, 680
    if form == "drops":
        # A small dropper bottle: bulb, collar, shoulders.
        draw.ellipse((355, 70, 445, 190), fill=(40, 40, 40), outline=OUTLINE, width=4)
        draw.rectangle((330, 180, 470, 250), fill=(30, 30, 30), outline=OUTLINE, width=4)
        draw.rounded_rectangle((200, 240, 600, 730), radius=60, fill=body, outline=OUTLINE, width=4)
        return 225, 320, 575, 670
    if form == "spray":
        # A pump-spray bottle: nozzle, pump head, slim body.
        draw.rectangle((430, 95, 500, 125), fill=(80, 80, 80), outline=OUTLINE, width=4)
        draw.rounded_rectangle((340, 80, 440, 170), radius=14, fill=(90, 90, 90), outline=OUTLINE, width=4)
        draw.rectangle((365, 165, 415, 230), fill=(120, 120, 120), outline=OUTLINE, width=4)
        draw.rounded_rectangle((215, 225, 585, 735), radius=50, fill=body, outline=OUTLINE, width=4)
        return 235, 300, 565, 680
    # Softgels, capsules, tablets and gummies: a supplement bottle with a cap.
    draw.rounded_rectangle((265, 70, 535, 170), radius=16, fill=(45, 52, 60), outline=OUTLINE, width=4)
    for x in range(285, 530, 18):
        draw.line((x, 78, x, 162), fill=(75, 82, 90), width=3)
    draw.rectangle((285, 165, 515, 205), fill=body, outline=OUTLINE, width=4)
    draw.rounded_rectangle((170, 195, 630, 740), radius=56, fill=body, outline=OUTLINE, width=4)
    return 190, 280, 610, 690


def draw_demo_label(*, brand: str, name: str, dose_text: str, form_label: str, form: str, band_key: str) -> bytes:
    """An 800x800 PNG of a product container with its label; ``band_key`` picks the band colour."""
    picture = Image.new("RGB", (CANVAS, CANVAS), BACKGROUND)
    draw = ImageDraw.Draw(picture)
    left, top, right, bottom = _draw_container(draw, form)
    draw.rounded_rectangle((left, top, right, bottom), radius=12, fill=LABEL_PAPER, outline=OUTLINE, width=3)

    band = BAND_COLOURS.get(band_key, DEFAULT_BAND)
    band_bottom = top + 62
    draw.rounded_rectangle((left, top, right, band_bottom), radius=12, fill=band)
    draw.rectangle((left, top + 30, right, band_bottom), fill=band)
    inner_width = right - left - 40
    centre = (left + right) // 2

    brand_font, _, brand_lines = _fitted_lines(draw, brand.upper(), (inner_width, 40), (34, 30, 26, 22), True, 0)
    draw.text((centre, top + 31), brand_lines[0], font=brand_font, fill=LABEL_PAPER, anchor="mm")

    form_font = _font(26)
    form_top = bottom - 52
    draw.text((centre, bottom - 22), form_label, font=form_font, fill=MUTED_INK, anchor="mb")

    y = band_bottom + 22
    name_font, name_size, name_lines = _fitted_lines(draw, name, (inner_width, 76), (34, 30, 27, 24, 21, 18), True, 8)
    for line in name_lines:
        draw.text((centre, y), line, font=name_font, fill=INK, anchor="mt")
        y += name_size + 8

    y += 10
    draw.line((left + 30, y, right - 30, y), fill=band, width=4)
    y += 22
    dose_box = (inner_width, form_top - y - 10)
    dose_font, dose_size, dose_lines = _fitted_lines(
        draw, dose_text, dose_box, (60, 54, 48, 42, 36, 31, 27), True, 10, split_plus=True
    )
    # Centre the dose in the space left between the name and the form line.
    y += max((dose_box[1] - (len(dose_lines) * (dose_size + 10) - 10)) // 2, 0)
    for line in dose_lines:
        draw.text((centre, y), line, font=dose_font, fill=INK, anchor="mt")
        y += dose_size + 10

    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()
