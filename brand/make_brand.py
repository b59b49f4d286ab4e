# ruff: noqa: INP001  (a stand-alone script, not a package)
"""Draw the integration's brand images: `.venv/bin/python brand/make_brand.py`.

Home Assistant (2026.3 and later) shows the icon and logo of a custom integration from the
`brand/` folder inside the integration, `custom_components/pylontech/brand/`, before it asks the
brands CDN. This script writes the eight files it reads there:

    icon.png, icon@2x.png            256x256 and 512x512, square
    logo.png, logo@2x.png            landscape, 128 and 256 pixels high
    dark_icon*.png, dark_logo*.png   the same for dark themes

The design is our own, drawn from rectangles, circles and polygons (no font, no bitmap, no
manufacturer's logo): a rack of three battery modules, each with four cells, and a round badge
with a lightning bolt; the logo adds the letters "BMS" drawn from strokes. Everything is drawn
four times larger than needed and scaled down (that is the anti-aliasing), then trimmed to the
drawing, on a transparent background, as the brands repository's image specification asks.
The output depends only on this file and the Pillow version, so running it again gives the same
files.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import math
from pathlib import Path
import sys

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "custom_components" / "pylontech" / "brand"

SUPERSAMPLE = 4
ICON_SIZE = 256  # icon.png; icon@2x.png doubles it
LOGO_HEIGHT = 128  # logo.png; logo@2x.png doubles it

Color = tuple[int, int, int, int]
CLEAR: Color = (0, 0, 0, 0)


@dataclass(frozen=True)
class Palette:
    """The colours of one theme."""

    module: Color
    """Body of a battery module."""
    handle: Color
    """The handle at the front of each module."""
    cell: Color
    """The cells inside a module."""
    badge: Color
    """The round badge behind the bolt."""
    bolt: Color
    letters: Color
    """The letters of the logo."""


LIGHT = Palette(
    module=(0x2F, 0x3E, 0x4E, 255),
    handle=(0x7A, 0x90, 0xA6, 255),
    cell=(0x2E, 0xC2, 0x71, 255),
    badge=(0xFF, 0xB3, 0x00, 255),
    bolt=(0x2F, 0x3E, 0x4E, 255),
    letters=(0x2F, 0x3E, 0x4E, 255),
)
DARK = Palette(
    module=(0xCF, 0xD8, 0xDC, 255),
    handle=(0x78, 0x90, 0x9C, 255),
    cell=(0x2E, 0xC2, 0x71, 255),
    badge=(0xFF, 0xB3, 0x00, 255),
    bolt=(0x26, 0x32, 0x38, 255),
    letters=(0xEC, 0xEF, 0xF1, 255),
)

# -- the mark: three modules and a badge, in design units (0..256) ---------------------------------

MODULES = 3
MODULE_LEFT, MODULE_RIGHT = 0, 204
MODULE_HEIGHT, MODULE_GAP, MODULE_TOP = 62, 12, 8
MODULE_RADIUS = 14
CELLS, CELL_LEFT, CELL_RIGHT, CELL_GAP, CELL_MARGIN = 4, 44, 188, 6, 14
BADGE_CENTER, BADGE_RADIUS, BADGE_GAP = (202, 194), 54, 10
BOLT = ((0.14, -0.74), (-0.44, 0.10), (-0.02, 0.10), (-0.16, 0.74), (0.44, -0.12), (0.02, -0.12))
"""A lightning bolt in units of the badge's radius, from its centre."""


def draw_mark(palette: Palette, scale: float) -> Image.Image:
    """The icon's drawing at `scale` pixels per design unit, not yet trimmed."""
    side = round(260 * scale)
    image = Image.new("RGBA", (side, side), CLEAR)
    draw = ImageDraw.Draw(image)

    def box(left: float, top: float, right: float, bottom: float) -> list[float]:
        return [left * scale, top * scale, right * scale, bottom * scale]

    cell_width = (CELL_RIGHT - CELL_LEFT - (CELLS - 1) * CELL_GAP) / CELLS
    for index in range(MODULES):
        top = MODULE_TOP + index * (MODULE_HEIGHT + MODULE_GAP)
        bottom = top + MODULE_HEIGHT
        draw.rounded_rectangle(
            box(MODULE_LEFT, top, MODULE_RIGHT, bottom),
            radius=MODULE_RADIUS * scale,
            fill=palette.module,
        )
        draw.rounded_rectangle(
            box(12, top + 12, 24, bottom - 12), radius=6 * scale, fill=palette.handle
        )
        for cell in range(CELLS):
            left = CELL_LEFT + cell * (cell_width + CELL_GAP)
            draw.rounded_rectangle(
                box(left, top + CELL_MARGIN, left + cell_width, bottom - CELL_MARGIN),
                radius=5 * scale,
                fill=palette.cell,
            )

    # The badge sits in a transparent ring cut out of the modules, so it reads on any background.
    x, y = BADGE_CENTER
    ring = BADGE_RADIUS + BADGE_GAP
    draw.ellipse(box(x - ring, y - ring, x + ring, y + ring), fill=CLEAR)
    draw.ellipse(
        box(x - BADGE_RADIUS, y - BADGE_RADIUS, x + BADGE_RADIUS, y + BADGE_RADIUS),
        fill=palette.badge,
    )
    draw.polygon(
        [((x + u * BADGE_RADIUS) * scale, (y + v * BADGE_RADIUS) * scale) for u, v in BOLT],
        fill=palette.bolt,
    )
    return image


# -- the letters "BMS", drawn with round-capped strokes (design units: cap height 100) -------------

STROKE = 19
LETTER_GAP = 16


class Pen:
    """Round-capped strokes on an image, in design units shifted by `origin`."""

    def __init__(self, image: Image.Image, scale: float, color: Color) -> None:
        """Draw on `image` at `scale` pixels per unit."""
        self.draw = ImageDraw.Draw(image)
        self.scale = scale
        self.color = color
        self.origin = (0.0, 0.0)

    def _point(self, x: float, y: float) -> tuple[float, float]:
        return ((self.origin[0] + x) * self.scale, (self.origin[1] + y) * self.scale)

    def dot(self, x: float, y: float) -> None:
        """A round cap or joint."""
        cx, cy = self._point(x, y)
        r = STROKE / 2 * self.scale
        self.draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=self.color)

    def line(self, *points: tuple[float, float]) -> None:
        """A polyline with round joints and caps."""
        self.draw.line(
            [self._point(x, y) for x, y in points],
            fill=self.color,
            width=round(STROKE * self.scale),
            joint="curve",
        )
        for x, y in points:
            self.dot(x, y)

    def arc(
        self, center: tuple[float, float], radii: tuple[float, float], start: float, end: float
    ) -> None:
        """An elliptic arc clockwise from `start` to `end` degrees (0 = 3 o'clock), round caps."""
        (cx, cy), (rx, ry) = center, radii
        half = STROKE / 2
        left, top = self._point(cx - rx - half, cy - ry - half)
        right, bottom = self._point(cx + rx + half, cy + ry + half)
        self.draw.arc(
            [left, top, right, bottom],
            start,
            end,
            fill=self.color,
            width=round(STROKE * self.scale),
        )
        for angle in (start, end):
            radians = math.radians(angle)
            self.dot(cx + rx * math.cos(radians), cy + ry * math.sin(radians))


def letter_b(pen: Pen) -> float:
    """B; returns its advance width."""
    half = STROKE / 2
    pen.line((40, half), (half, half), (half, 100 - half), (44, 100 - half))
    pen.line((half, 48), (44, 48))
    pen.arc((40, (half + 48) / 2), (26, (48 - half) / 2), 270, 450)
    pen.arc((44, (48 + 100 - half) / 2), (30, (100 - half - 48) / 2), 270, 450)
    return 44 + 30 + half


def letter_m(pen: Pen) -> float:
    """M; returns its advance width."""
    half = STROKE / 2
    width = 92
    pen.line((half, 100 - half), (half, half), (width / 2, 62), (width - half, half))
    pen.line((width - half, half), (width - half, 100 - half))
    return width


def letter_s(pen: Pen) -> float:
    """S: two elliptic arcs meeting in the middle; returns its advance width."""
    half = STROKE / 2
    rx, ry = 32, (50 - half) / 2
    cx = rx + half
    pen.arc((cx, half + ry), (rx, ry), 90, 325)
    pen.arc((cx, 100 - half - ry), (rx, ry), -90, 145)
    return 2 * (rx + half)


def draw_letters(color: Color, scale: float) -> Image.Image:
    """The word "BMS" at `scale` pixels per unit, not yet trimmed."""
    image = Image.new("RGBA", (round(340 * scale), round(110 * scale)), CLEAR)
    pen = Pen(image, scale, color)
    x = 2.0
    for letter in (letter_b, letter_m, letter_s):
        pen.origin = (x, 2.0)
        x += letter(pen) + LETTER_GAP
    return image


# -- composing, trimming, scaling ------------------------------------------------------------------


def trim(image: Image.Image) -> Image.Image:
    """The image cut to its opaque pixels."""
    bbox = image.getchannel("A").getbbox()
    assert bbox is not None, "nothing was drawn"
    return image.crop(bbox)


def icon(palette: Palette, size: int) -> Image.Image:
    """A square icon of `size` pixels: the mark, trimmed, scaled to fill it, centred."""
    mark = trim(draw_mark(palette, size * SUPERSAMPLE / 256))
    factor = size / max(mark.size)
    width, height = round(mark.width * factor), round(mark.height * factor)
    scaled = mark.resize((width, height), Image.Resampling.LANCZOS)
    square = Image.new("RGBA", (size, size), CLEAR)
    square.paste(scaled, ((size - width) // 2, (size - height) // 2))
    return square


def logo(palette: Palette, height: int, width: int | None = None) -> Image.Image:
    """A landscape logo `height` pixels high: the mark, then "BMS" at 62 % of its height.

    `width` overrides the width (by a fraction of a pixel), so that @2x is exactly twice 1x.
    """
    big = height * SUPERSAMPLE
    mark = trim(draw_mark(palette, big / 256))
    mark = mark.resize((round(mark.width * big / mark.height), big), Image.Resampling.LANCZOS)
    letters = trim(draw_letters(palette.letters, big / 100))
    cap = round(big * 0.62)
    letters = letters.resize(
        (round(letters.width * cap / letters.height), cap), Image.Resampling.LANCZOS
    )
    gap = round(big * 0.22)
    canvas = Image.new("RGBA", (mark.width + gap + letters.width, big), CLEAR)
    canvas.paste(mark, (0, 0))
    canvas.alpha_composite(letters, (mark.width + gap, (big - cap) // 2))
    width = width or round(canvas.width * height / big)
    return canvas.resize((width, height), Image.Resampling.LANCZOS)


def images() -> dict[str, Image.Image]:
    """Every brand image by file name."""
    found = {}
    for prefix, palette in (("", LIGHT), ("dark_", DARK)):
        found[f"{prefix}icon.png"] = icon(palette, ICON_SIZE)
        found[f"{prefix}icon@2x.png"] = icon(palette, 2 * ICON_SIZE)
        small = found[f"{prefix}logo.png"] = logo(palette, LOGO_HEIGHT)
        found[f"{prefix}logo@2x.png"] = logo(palette, 2 * LOGO_HEIGHT, 2 * small.width)
    return found


def main(argv: list[str] | None = None) -> int:
    """Write the images; print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder (default {OUT})")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, image in images().items():
        path = args.out / name
        image.save(path, optimize=True)
        sys.stdout.write(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
                         f"{image.width}x{image.height}\n")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
