"""Writes Grove's icon as SVG and as 192 and 512 px PNG (static/icons/), from one list of
shapes: a small forest plot, three trials and their pooled diamond, white on green.
Run by hand when the icon changes; the files are kept in the repository.
"""

import os
import struct
import zlib

GREEN = (29, 94, 69)
WHITE = (255, 255, 255)
SIZE = 512
RADIUS = 96
# (x0, y0, x1, y1) in a 512 × 512 square: the line of no effect, three confidence
# intervals with their squares.
RECTS = [
    (249, 72, 263, 440),
    (120, 126, 330, 138), (170, 106, 202, 158),
    (190, 206, 420, 218), (282, 190, 314, 234),
    (96, 286, 300, 298), (150, 268, 190, 316),
]
DIAMOND = [(140, 376), (236, 346), (332, 376), (236, 406)]


def svg():
    shapes = "".join(
        '<rect x="%d" y="%d" width="%d" height="%d" fill="#fff"/>' % (x0, y0, x1 - x0, y1 - y0)
        for x0, y0, x1, y1 in RECTS
    )
    points = " ".join("%d,%d" % p for p in DIAMOND)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">'
        '<rect width="512" height="512" rx="%d" fill="#%02x%02x%02x"/>%s'
        '<polygon points="%s" fill="#fff"/></svg>\n' % ((RADIUS,) + GREEN + (shapes, points))
    )


def inside_rounded(x, y):
    cx = min(max(x, RADIUS), SIZE - RADIUS)
    cy = min(max(y, RADIUS), SIZE - RADIUS)
    return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2


def inside_diamond(x, y):
    (l, my), (cx, t), (r, _), (_, b) = DIAMOND
    return abs(x - cx) / (r - cx) + abs(y - my) / (my - t) <= 1


def pixel(x, y):
    """Colour and coverage at a point of the 512 square."""
    if not inside_rounded(x, y):
        return None
    if inside_diamond(x, y) or any(x0 <= x < x1 and y0 <= y < y1 for x0, y0, x1, y1 in RECTS):
        return WHITE
    return GREEN


def png(n):
    """The icon at n × n pixels, each pixel the mean of 4 × 4 samples, as an indexed PNG:
    the few colours of white on green and their edges fit a palette (with transparency),
    a quarter of the bytes of RGBA before compression."""
    samples = 4
    pixels = []
    for j in range(n):
        for i in range(n):
            acc = [0, 0, 0, 0]
            for sj in range(samples):
                for si in range(samples):
                    x = (i + (si + 0.5) / samples) * SIZE / n
                    y = (j + (sj + 0.5) / samples) * SIZE / n
                    c = pixel(x, y)
                    if c:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 1
            a = acc[3]
            rgb = (acc[0] // a, acc[1] // a, acc[2] // a) if a else (0, 0, 0)
            pixels.append(rgb + (round(255 * a / samples ** 2),))
    palette = sorted(set(pixels), key=lambda c: -c[3])
    if len(palette) > 256:
        raise SystemExit("make-icons: %d colours do not fit a palette" % len(palette))
    index = {c: k for k, c in enumerate(palette)}
    rows = b"".join(
        b"\0" + bytes(index[c] for c in pixels[j * n:(j + 1) * n]) for j in range(n)
    )
    opaque = [c[3] for c in palette]
    while opaque and opaque[-1] == 255:
        opaque.pop()

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 3, 0, 0, 0))
        + chunk(b"PLTE", b"".join(bytes(c[:3]) for c in palette))
        + chunk(b"tRNS", bytes(opaque))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "static", "icons")
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "grove.svg"), "w").write(svg())
for n in (192, 512):
    open(os.path.join(out, "grove-%d.png" % n), "wb").write(png(n))
