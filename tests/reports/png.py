"""A tiny pure-Python PNG reader, enough to check a browser screenshot's colours.

Supports what headless Chromium writes: 8-bit RGB or RGBA, not interlaced.
Decoding is zlib plus the five PNG scanline filters (PNG spec, section 9).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # colour type -> samples per pixel (RGB, RGBA)


class PNGError(ValueError):
    pass


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    channels: int
    rows: list[bytes]  # unfiltered scanlines, width * channels bytes each

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        offset = x * self.channels
        r, g, b = self.rows[y][offset : offset + 3]
        return r, g, b

    def count(self, rgb: tuple[int, int, int], tolerance: int = 0) -> int:
        """Pixels whose RGB is within ``tolerance`` of ``rgb`` on every channel (alpha ignored)."""
        step, total = self.channels, 0
        want_r, want_g, want_b = rgb
        for row in self.rows:
            reds, greens, blues = row[0::step], row[1::step], row[2::step]
            if tolerance == 0:  # the common case, kept cheap: a screenshot has ~3 million pixels
                pixels = zip(reds, greens, blues, strict=True)
                total += sum(1 for r, g, b in pixels if r == want_r and g == want_g and b == want_b)
            else:
                total += sum(
                    1
                    for r, g, b in zip(reds, greens, blues, strict=True)
                    if abs(r - want_r) <= tolerance and abs(g - want_g) <= tolerance and abs(b - want_b) <= tolerance
                )
        return total


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def read_png(path: Path) -> Image:
    return decode_png(path.read_bytes())


def decode_png(data: bytes) -> Image:
    if not data.startswith(SIGNATURE):
        raise PNGError("not a PNG file")
    header, idat = _chunks(data)
    width, height, depth, colour_type, _compression, _filter, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour_type not in CHANNELS or interlace != 0:
        raise PNGError(f"unsupported PNG: depth {depth}, colour type {colour_type}, interlace {interlace}")
    channels = CHANNELS[colour_type]
    raw = zlib.decompress(idat)
    stride = width * channels
    if len(raw) != height * (stride + 1):
        raise PNGError("image data has the wrong size")
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(raw[start], raw[start + 1 : start + 1 + stride], previous, channels)
        rows.append(line)
        previous = line
    return Image(width, height, channels, rows)


def _chunks(data: bytes) -> tuple[bytes, bytes]:
    position, header, idat = len(SIGNATURE), b"", bytearray()
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise PNGError(f"bad CRC in {kind!r} chunk")
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        position += 12 + length
    if not header or not idat:
        raise PNGError("missing IHDR or IDAT")
    return header, bytes(idat)


def _unfilter(kind: int, line: bytes, previous: bytes, bpp: int) -> bytes:
    if kind == 0:
        return line
    if kind == 2:  # Up
        return bytes((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
    out = bytearray(line)
    size = len(out)
    if kind == 1:  # Sub
        for i in range(bpp, size):
            out[i] = (out[i] + out[i - bpp]) & 0xFF
    elif kind == 3:  # Average
        for i in range(size):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + previous[i]) >> 1)) & 0xFF
    elif kind == 4:  # Paeth
        for i in range(size):
            left = out[i - bpp] if i >= bpp else 0
            up = previous[i]
            upper_left = previous[i - bpp] if i >= bpp else 0
            estimate = left + up - upper_left
            dist_left, dist_up, dist_ul = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
            if dist_left <= dist_up and dist_left <= dist_ul:
                predictor = left
            elif dist_up <= dist_ul:
                predictor = up
            else:
                predictor = upper_left
            out[i] = (out[i] + predictor) & 0xFF
    else:
        raise PNGError(f"unknown filter type {kind}")
    return bytes(out)


def encode_png(width: int, height: int, rows: list[bytes], channels: int = 3) -> bytes:
    """Write an unfiltered PNG (for the reader's own tests)."""
    colour_type = {3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + row for row in rows)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
