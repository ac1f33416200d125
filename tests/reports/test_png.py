"""The test-only PNG reader decodes every scanline filter correctly."""

from __future__ import annotations

import random
import struct
import zlib

import pytest

from tests.reports.png import SIGNATURE, PNGError, decode_png, encode_png, hex_to_rgb


def _paeth(left: int, up: int, upper_left: int) -> int:
    estimate = left + up - upper_left
    options = [
        (abs(estimate - left), 0, left),
        (abs(estimate - up), 1, up),
        (abs(estimate - upper_left), 2, upper_left),
    ]
    return min(options)[2]


def _filter(kind: int, line: bytes, previous: bytes, bpp: int) -> bytes:
    out = bytearray()
    for i, value in enumerate(line):
        left = line[i - bpp] if i >= bpp else 0
        up = previous[i]
        upper_left = previous[i - bpp] if i >= bpp else 0
        predictor = [0, left, up, (left + up) >> 1, _paeth(left, up, upper_left)][kind]
        out.append((value - predictor) & 0xFF)
    return bytes(out)


def _png_with_filters(width: int, rows: list[bytes], channels: int) -> bytes:
    raw, previous = bytearray(), bytes(width * channels)
    for y, row in enumerate(rows):
        kind = y % 5
        raw += bytes([kind]) + _filter(kind, row, previous, channels)
        previous = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, len(rows), 8, {3: 2, 4: 6}[channels], 0, 0, 0)
    return SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")


@pytest.mark.parametrize("channels", [3, 4])
def test_all_filters_round_trip(channels: int) -> None:
    rng = random.Random(channels)
    width, height = 7, 10
    rows = [bytes(rng.randrange(256) for _ in range(width * channels)) for _ in range(height)]
    image = decode_png(_png_with_filters(width, rows, channels))
    assert (image.width, image.height, image.channels) == (width, height, channels)
    assert image.rows == rows


def test_count_colour() -> None:
    red, white = bytes(hex_to_rgb("#d1495b")), b"\xff\xff\xff"
    rows = [red * 3 + white, white * 4]
    image = decode_png(encode_png(4, 2, rows))
    assert image.count(hex_to_rgb("#d1495b")) == 3
    assert image.count((0xD0, 0x48, 0x5C), tolerance=1) == 3
    assert image.pixel(3, 0) == (255, 255, 255)


def test_rejects_what_it_cannot_read() -> None:
    with pytest.raises(PNGError):
        decode_png(b"GIF89a")
    broken = bytearray(encode_png(1, 1, [b"\x00\x00\x00"]))
    broken[-20] ^= 0xFF  # inside the IDAT payload: the CRC no longer matches
    with pytest.raises(PNGError):
        decode_png(bytes(broken))
