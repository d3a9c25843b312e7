#!/usr/bin/env python3
"""Draws the two demo brands' logos as small PNGs (pure Python: zlib + struct).

Run once; the PNGs are committed under assets/demo/. Kept so the logos can be redrawn.
"""
import math
import struct
import zlib


def png(path, width, height, pixel):
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            row.extend(pixel(x + 0.5, y + 0.5))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def coverage(inside, x, y, samples=4):
    hits = 0
    for i in range(samples):
        for j in range(samples):
            if inside(x - 0.5 + (i + 0.5) / samples, y - 0.5 + (j + 0.5) / samples):
                hits += 1
    return hits / (samples * samples)


def acme(x, y):
    # An orange rounded square with a white upward "A" chevron: Acme Hosting.
    size = 96
    r = 18
    cx, cy = min(max(x, r), size - r), min(max(y, r), size - r)
    in_square = (x - cx) ** 2 + (y - cy) ** 2 <= r * r

    def chevron(px, py):
        # Two strokes meeting at the top, plus a crossbar.
        def stroke(ax, ay, bx, by, w):
            dx, dy = bx - ax, by - ay
            t = max(0, min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
            qx, qy = ax + t * dx, ay + t * dy
            return (px - qx) ** 2 + (py - qy) ** 2 <= w * w
        return stroke(48, 20, 24, 76, 7) or stroke(48, 20, 72, 76, 7) or stroke(34, 56, 62, 56, 5)

    a = coverage(lambda px, py: (px - min(max(px, r), size - r)) ** 2 + (py - min(max(py, r), size - r)) ** 2 <= r * r, x, y)
    if a == 0:
        return (0, 0, 0, 0)
    c = coverage(chevron, x, y)
    orange = (194, 65, 12)
    col = tuple(int(orange[k] * (1 - c) + 255 * c) for k in range(3))
    return col + (int(255 * a),)


def globex(x, y):
    # A teal globe with white meridian and parallels: Globex Web.
    size = 96
    cx = cy = size / 2
    R = 44

    def disc(px, py):
        return (px - cx) ** 2 + (py - cy) ** 2 <= R * R

    def lines(px, py):
        dx, dy = px - cx, py - cy
        d = math.hypot(dx, dy)
        if d > R - 3:
            return d <= R and d > R - 5
        if abs(dx) < 2.5 or abs(dy) < 2.5 or abs(dy - 20) < 2 or abs(dy + 20) < 2:
            return True
        # an ellipse meridian
        e = (dx / (R * 0.5)) ** 2 + (dy / R) ** 2
        return abs(e - 1) < 0.12

    a = coverage(disc, x, y)
    if a == 0:
        return (0, 0, 0, 0)
    c = coverage(lines, x, y)
    teal = (15, 118, 110)
    col = tuple(int(teal[k] * (1 - c) + 255 * c) for k in range(3))
    return col + (int(255 * a),)


if __name__ == "__main__":
    png("assets/demo/acme-logo.png", 96, 96, acme)
    png("assets/demo/globex-logo.png", 96, 96, globex)
