"""Writing a PNG too big for one `QImage`, band by band, with bounded memory.

Qt needs the whole image in memory to save it; a 20,000-node graph at slide resolution can be
gigabytes. Here each band of rows is painted into a small `QImage`, its rows are deflated into a
zlib stream and written as IDAT chunks as they come: memory stays at one band.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import BinaryIO

import numpy as np
from PySide6.QtGui import QImage, QPainter

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(out: BinaryIO, kind: bytes, data: bytes) -> None:
    out.write(struct.pack(">I", len(data)))
    out.write(kind)
    out.write(data)
    out.write(struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def write_banded_png(
    out: BinaryIO,
    width: int,
    height: int,
    paint_band: Callable[[QPainter, int, int], None],
    *,
    band_rows: int = 2048,
    dpi: float = 96.0,
    level: int = 6,
) -> None:
    """Write a `width` × `height` RGBA PNG; `paint_band(painter, top, rows)` paints each band.

    The painter given to `paint_band` draws on a fresh band image whose row 0 is image row `top`.
    """
    out.write(PNG_SIGNATURE)
    _chunk(out, b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
    ppm = round(dpi / 0.0254)
    _chunk(out, b"pHYs", struct.pack(">IIB", ppm, ppm, 1))
    deflate = zlib.compressobj(level)
    pending = bytearray()
    previous = np.zeros((1, width * 4), dtype=np.uint8)
    for top in range(0, height, band_rows):
        rows = min(band_rows, height - top)
        band = QImage(width, rows, QImage.Format.Format_RGBA8888)
        band.fill(0)
        painter = QPainter(band)
        try:
            paint_band(painter, top, rows)
        finally:
            painter.end()
        if band.format() != QImage.Format.Format_RGBA8888:
            band = band.convertToFormat(QImage.Format.Format_RGBA8888)
        stride = band.bytesPerLine()
        pixels = np.frombuffer(band.constBits(), dtype=np.uint8, count=stride * rows)
        pixels = pixels.reshape(rows, stride)[:, : width * 4]
        # PNG "Up" filter: each row minus the one above it (mostly zeros on flat fills).
        above = np.vstack([previous, pixels[:-1]])
        raw = np.empty((rows, width * 4 + 1), dtype=np.uint8)
        raw[:, 0] = 2
        raw[:, 1:] = pixels - above
        previous = pixels[-1:].copy()
        pending += deflate.compress(raw.tobytes())
        if len(pending) >= 1 << 20:
            _chunk(out, b"IDAT", bytes(pending))
            pending.clear()
    pending += deflate.flush()
    _chunk(out, b"IDAT", bytes(pending))
    _chunk(out, b"IEND", b"")
