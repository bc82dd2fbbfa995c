#!/usr/bin/env python3
"""Writes officer.png: a small made-up portrait (no real person) for the
technician screens' goldens, with nothing but the standard library."""
import struct
import zlib

W, H = 60, 80


def pixel(x, y):
    bg = (0x9C, 0xC3, 0xE6)
    # shoulders: a navy uniform
    if y > 56 and (x - 30) ** 2 / 30.0 ** 2 + (y - 84) ** 2 / 26.0 ** 2 <= 1:
        if abs(x - 30) < 4 and y < 72:
            return (0xF2, 0xF2, 0xF2)  # shirt collar
        return (0x1F, 0x3A, 0x5F)
    # hair
    if (x - 30) ** 2 + (y - 26) ** 2 <= 15 ** 2 and y < 24:
        return (0x2B, 0x1D, 0x14)
    # face
    if (x - 30) ** 2 / 13.0 ** 2 + (y - 31) ** 2 / 16.0 ** 2 <= 1:
        if y in (28, 29) and x in (25, 26, 34, 35):
            return (0x2B, 0x1D, 0x14)  # eyes
        if y == 39 and 27 <= x <= 33:
            return (0xA0, 0x4A, 0x3A)  # mouth
        return (0xF0, 0xC8, 0xA0)
    # neck
    if 25 <= x <= 35 and 44 <= y <= 58:
        return (0xE6, 0xBA, 0x92)
    return bg


rows = b"".join(b"\x00" + bytes(c for x in range(W) for c in pixel(x, y)) for y in range(H))


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
with open(__file__.rsplit("/", 1)[0] + "/officer.png" if "/" in __file__ else "officer.png", "wb") as f:
    f.write(png)
