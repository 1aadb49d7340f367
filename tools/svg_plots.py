"""Plots as plain SVG, standard library only: the roofline and the Amdahl and Gustafson curves.

Used by `./course roofline` (the roofline of your own GPU, from the data the 5.3 grader writes)
and to draw chapter 5's lesson figures:

    python3 tools/svg_plots.py lesson                  # rewrites chapters/05-profiling/*.svg
    python3 tools/svg_plots.py roofline DATA.json OUT.svg

The lesson's figures use published datasheet figures only (no measurement is invented): the
roofline of an H100 SXM from its datasheet, with the course's kernels placed at the intensity
their cost model gives.
"""

import json
import math
import os
import sys
from typing import Dict, List, Optional, Sequence, Tuple
from xml.sax.saxutils import escape

WIDTH = 760
HEIGHT = 480
LEFT, RIGHT, TOP, BOTTOM = 78, 24, 48, 58
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#7f7f7f", "#bcbd22")
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


class PlotError(ValueError):
    """Data that cannot be plotted (a non-positive value on a log axis, no data at all...)."""


class Axis:
    """Maps data values to pixels, linearly or in log10."""

    def __init__(self, low: float, high: float, start: float, end: float, log: bool) -> None:
        if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
            raise PlotError("an axis needs low < high, both finite (got %r, %r)" % (low, high))
        if log and low <= 0:
            raise PlotError("a logarithmic axis needs positive values (got %r)" % low)
        self.low, self.high, self.start, self.end, self.log = low, high, start, end, log

    def __call__(self, value: float) -> float:
        if self.log:
            if value <= 0:
                raise PlotError("%r cannot be placed on a logarithmic axis" % value)
            fraction = (math.log10(value) - math.log10(self.low)) / (
                math.log10(self.high) - math.log10(self.low))
        else:
            fraction = (value - self.low) / (self.high - self.low)
        return self.start + fraction * (self.end - self.start)

    def decades(self) -> List[float]:
        """Powers of ten inside the axis (log axes)."""
        first = math.ceil(math.log10(self.low) - 1e-9)
        last = math.floor(math.log10(self.high) + 1e-9)
        return [10.0 ** e for e in range(first, last + 1)]


def number(value: float) -> str:
    """Short text for a tick or a figure: 0.01, 1, 100, 1e+04 -> 10k ..."""
    for limit, suffix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return ("%.3g" % (value / limit)) + suffix
    return "%.3g" % value


class Svg:
    """A minimal SVG writer: lines, polylines, circles, text."""

    def __init__(self, width: int = WIDTH, height: int = HEIGHT) -> None:
        self.width, self.height = width, height
        self.parts: List[str] = []

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str = "#000",
             width: float = 1, dash: str = "") -> None:
        extra = ' stroke-dasharray="%s"' % dash if dash else ""
        self.parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" '
                          'stroke-width="%g"%s/>' % (x1, y1, x2, y2, colour, width, extra))

    def polyline(self, points: Sequence[Tuple[float, float]], colour: str, width: float = 2,
                 dash: str = "") -> None:
        extra = ' stroke-dasharray="%s"' % dash if dash else ""
        text = " ".join("%.1f,%.1f" % point for point in points)
        self.parts.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="%g"%s/>'
                          % (text, colour, width, extra))

    def circle(self, x: float, y: float, radius: float, colour: str, title: str = "") -> None:
        inner = "<title>%s</title>" % escape(title) if title else ""
        self.parts.append('<circle cx="%.1f" cy="%.1f" r="%g" fill="%s" stroke="#000" '
                          'stroke-width="0.6">%s</circle>' % (x, y, radius, colour, inner))

    def text(self, x: float, y: float, content: str, size: int = 12, anchor: str = "start",
             colour: str = "#000", weight: str = "normal", rotate: Optional[float] = None) -> None:
        transform = ' transform="rotate(%g %.1f %.1f)"' % (rotate, x, y) if rotate else ""
        self.parts.append('<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s" fill="%s" '
                          'font-weight="%s" %s%s>%s</text>' % (
                              x, y, size, anchor, colour, weight, FONT, transform,
                              escape(content)))

    def render(self, description: str) -> str:
        return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
                'viewBox="0 0 %d %d" role="img">\n<desc>%s</desc>\n'
                '<rect width="100%%" height="100%%" fill="#fff"/>\n%s\n</svg>\n' % (
                    self.width, self.height, self.width, self.height, escape(description),
                    "\n".join(self.parts)))


def frame(svg: Svg, x: Axis, y: Axis, title: str, x_label: str, y_label: str,
          x_ticks: Sequence[Tuple[float, str]], y_ticks: Sequence[Tuple[float, str]]) -> None:
    """Axes, grid, ticks, labels and title."""
    for value, label in x_ticks:
        px = x(value)
        svg.line(px, y.start, px, y.end, "#e3e3e3")
        svg.text(px, y.start + 18, label, 11, "middle")
    for value, label in y_ticks:
        py = y(value)
        svg.line(x.start, py, x.end, py, "#e3e3e3")
        svg.text(x.start - 6, py + 4, label, 11, "end")
    svg.line(x.start, y.start, x.end, y.start, "#000", 1.2)
    svg.line(x.start, y.start, x.start, y.end, "#000", 1.2)
    svg.text((x.start + x.end) / 2, svg.height - 14, x_label, 12, "middle")
    svg.text(18, (y.start + y.end) / 2, y_label, 12, "middle", rotate=-90)
    svg.text(x.start, 26, title, 15, "start", weight="bold")


# ---- the roofline --------------------------------------------------------------------------------


def roofline_svg(peak_flops: float, bandwidth: float, points: Sequence[Dict],
                 title: str, subtitle: str = "", roof_label: str = "") -> str:
    """A log-log roofline: attainable FLOP/s against FLOPs per byte for one pair of roofs, and
    `points` ({"name", "intensity", "flops_per_second"}; "marker": "attainable" draws a point on
    the roof as a hollow mark). Points of intensity 0 (no arithmetic at all) cannot be placed on
    a log axis: they are listed under the plot instead."""
    if not (peak_flops > 0 and bandwidth > 0 and math.isfinite(peak_flops) and
            math.isfinite(bandwidth)):
        raise PlotError("the roofs must be positive and finite (peak %r, bandwidth %r)"
                        % (peak_flops, bandwidth))
    ridge = peak_flops / bandwidth
    placed = [p for p in points if p.get("intensity", 0) > 0 and p.get("flops_per_second", 0) > 0]
    unplaced = [p for p in points if p not in placed]
    intensities = [p["intensity"] for p in placed] + [ridge]
    performance = [p["flops_per_second"] for p in placed] + [peak_flops]
    x_low = 10.0 ** math.floor(math.log10(min(intensities + [0.1])))
    x_high = 10.0 ** math.ceil(math.log10(max(intensities + [ridge * 10])))
    y_high = 10.0 ** math.ceil(math.log10(max(performance) * 1.5))
    y_low = 10.0 ** math.floor(math.log10(min(performance + [x_low * bandwidth])))
    y_low = max(y_low, y_high / 1e7)
    svg = Svg()
    x = Axis(x_low, x_high, LEFT, WIDTH - RIGHT, True)
    y = Axis(y_low, y_high, HEIGHT - BOTTOM, TOP, True)
    frame(svg, x, y, title, "arithmetic intensity (FLOPs per byte of DRAM traffic)",
          "FLOP/s", [(d, number(d)) for d in x.decades()], [(d, number(d)) for d in y.decades()])
    if subtitle:
        svg.text(x.start, 42, subtitle, 11, "start", "#555")
    # The roof: I x bandwidth up to the ridge point, then flat at the peak. Clipped to the axes.
    start_intensity = max(x_low, y_low / bandwidth)
    roof = [(x(start_intensity), y(start_intensity * bandwidth)), (x(ridge), y(peak_flops)),
            (x(x_high), y(peak_flops))]
    svg.polyline(roof, "#000", 2.5)
    svg.line(x(ridge), y(peak_flops), x(ridge), y.start, "#888", 1, "4 4")
    svg.text(x(ridge) + 4, y.start - 6, "ridge %s FLOP/B" % number(ridge), 11, "start", "#555")
    svg.text(x(x_high) - 4, y(peak_flops) - 8, "peak %sFLOP/s" % number(peak_flops), 12, "end")
    slope_at = max(start_intensity * 3, math.sqrt(start_intensity * ridge))
    angle = math.degrees(math.atan2(y(start_intensity * bandwidth) - y(ridge * bandwidth),
                                    x(ridge) - x(start_intensity)))
    svg.text(x(slope_at) + 6, y(slope_at * bandwidth) - 8,
             roof_label or "bandwidth %sB/s" % number(bandwidth), 12, "start", rotate=-angle)
    for index, point in enumerate(placed):
        colour = COLOURS[index % len(COLOURS)]
        px, py = x(point["intensity"]), y(point["flops_per_second"])
        label = "%s: %s FLOP/B, %sFLOP/s" % (point["name"], number(point["intensity"]),
                                             number(point["flops_per_second"]))
        if point.get("marker") == "attainable":
            svg.parts.append('<circle cx="%.1f" cy="%.1f" r="5" fill="#fff" stroke="%s" '
                             'stroke-width="2"><title>%s</title></circle>'
                             % (px, py, colour, escape(label)))
        else:
            svg.circle(px, py, 5, colour, label)
        # Legend, top left, one line per point.
        ly = TOP + 16 + 16 * index
        svg.circle(x.start + 14, ly - 4, 4, colour)
        svg.text(x.start + 24, ly, point["name"], 11)
    for index, point in enumerate(unplaced):
        svg.text(x.start + 14, TOP + 16 + 16 * (len(placed) + index),
                 "%s: no FLOPs (intensity 0), not on a log axis" % point.get("name", "?"),
                 11, "start", "#555")
    description = "Roofline: peak %s FLOP/s, bandwidth %s B/s, ridge point %s FLOP/B; %s" % (
        number(peak_flops), number(bandwidth), number(ridge),
        "; ".join("%s at %s FLOP/B, %s FLOP/s" % (p["name"], number(p["intensity"]),
                                                 number(p["flops_per_second"])) for p in placed))
    return svg.render(description)


def roofline_from_grader(data: Dict) -> str:
    """The roofline of the 5.3 grader's data (ch5.3-gpu-roofline.json): your two roofs and the course's
    kernels as measured on your GPU."""
    try:
        points = [{"name": k["name"], "intensity": float(k["intensity"]),
                   "flops_per_second": float(k["flops_per_second"])} for k in data["kernels"]]
        peak, bandwidth = float(data["peak_flops"]), float(data["bandwidth"])
    except (KeyError, TypeError, ValueError) as error:
        raise PlotError("not the 5.3 grader's roofline data (%s missing or not a number)" % error)
    subtitle = ("measured: your roofs (5.3) and the course's operations, as the grader ran them "
                "(Thrust, CUB, cuBLAS)")
    return roofline_svg(peak, bandwidth, points, "Roofline of %s" % data.get("gpu", "this GPU"),
                        subtitle)


# ---- Amdahl and Gustafson -----------------------------------------------------------------------


def amdahl(p: float, n: float) -> float:
    return 1.0 / ((1.0 - p) + p / n)


def amdahl_svg(fractions: Sequence[float] = (0.5, 0.75, 0.9, 0.95), n_max: int = 1024,
               y_max: float = 22) -> str:
    """Speed-up against n (log2 axis) for several parallel fractions p, each with its bound
    1 / (1 - p) as a dashed line."""
    if n_max < 2:
        raise PlotError("n_max must be at least 2")
    svg = Svg()
    x = Axis(1, n_max, LEFT, WIDTH - RIGHT - 130, True)
    y = Axis(0, y_max, HEIGHT - BOTTOM, TOP, False)
    x_ticks = []
    n = 1
    while n <= n_max:
        x_ticks.append((n, str(n)))
        n *= 4 if n_max > 256 else 2
    y_step = 2 if y_max <= 24 else 10
    frame(svg, x, y, "Amdahl's law: speed-up = 1 / ((1 - p) + p / n)",
          "n: how many times faster the parallel part runs (SMs, GPUs, streams)", "speed-up",
          x_ticks, [(v, "%g" % v) for v in range(0, int(y_max) + 1, y_step)])
    steps = 200
    for index, p in enumerate(fractions):
        colour = COLOURS[index % len(COLOURS)]
        curve = []
        for k in range(steps + 1):
            n = n_max ** (k / steps)
            curve.append((x(n), y(min(amdahl(p, n), y_max))))
        svg.polyline(curve, colour, 2.2)
        bound = 1.0 / (1.0 - p)
        if bound <= y_max:
            svg.line(x.start, y(bound), x.end, y(bound), colour, 1, "5 4")
            svg.text(x.end + 6, y(bound) + 4, "p = %g: at most %gx" % (p, round(bound, 2)), 11,
                     "start", colour)
        else:
            svg.text(x.end + 6, y(amdahl(p, n_max)) + 4, "p = %g" % p, 11, "start", colour)
    return svg.render("Amdahl's law: speed-up against n for p = %s; dashed: the bounds 1 / (1 - p)"
                      % ", ".join("%g" % p for p in fractions))


def gustafson_svg(serial_fractions: Sequence[float] = (0.05, 0.1, 0.3, 0.5),
                  n_max: int = 64) -> str:
    """Gustafson's scaled speed-up s + (1 - s) n against n (linear axes), with Amdahl's curve for
    the same serial share for comparison (dotted)."""
    svg = Svg()
    x = Axis(1, n_max, LEFT, WIDTH - RIGHT - 90, False)
    y = Axis(0, n_max, HEIGHT - BOTTOM, TOP, False)
    ticks = [(v, str(v)) for v in range(0, n_max + 1, max(1, n_max // 8)) if v >= 1] + [(1, "1")]
    frame(svg, x, y, "Gustafson's law: scaled speed-up = s + (1 - s) n",
          "n: resources and work both n times larger", "speed-up", sorted(set(ticks)),
          [(v, str(v)) for v in range(0, n_max + 1, max(1, n_max // 8))])
    svg.line(x(1), y(1), x(n_max), y(n_max), "#bbb", 1, "2 3")
    svg.text(x(n_max) + 6, y(n_max) + 4, "ideal: n", 11, "start", "#777")
    for index, s in enumerate(serial_fractions):
        colour = COLOURS[index % len(COLOURS)]
        svg.line(x(1), y(1), x(n_max), y(s + (1 - s) * n_max), colour, 2.2)
        svg.text(x(n_max) + 6, y(s + (1 - s) * n_max) + 4, "s = %g" % s, 11, "start", colour)
        svg.polyline([(x(n), y(amdahl(1 - s, n))) for n in range(1, n_max + 1)], colour, 1.2,
                     "2 3")
    svg.text(x.start + 10, TOP + 16, "solid: Gustafson (the work grows with n); dotted: Amdahl "
             "(the work stays)", 11, "start", "#555")
    return svg.render("Gustafson's law for s = %s, with Amdahl's law dotted"
                      % ", ".join("%g" % s for s in serial_fractions))


# ---- the lesson's figures -----------------------------------------------------------------------

# Datasheet figures of the H100 SXM (NVIDIA): FP32 66.9 TFLOP/s, HBM3 3.35 TB/s.
H100_PEAK = 66.9e12
H100_BANDWIDTH = 3.35e12


def lesson_roofline() -> str:
    """The course's kernels at the intensities their cost model gives, on the H100's datasheet
    roofline, each drawn at the most its roofline allows (hollow: a bound, not a measurement)."""
    kernels = [
        ("vector add", 1 / 12), ("SAXPY", 2 / 12),
        ("SGEMM naive (global loads; a sum too)", 1 / 4),
        ("SGEMM, tiles of 32 (global loads)", 32 / 4),
        ("SGEMM 4096, DRAM at its least", 2 * 4096 / 12),
        ("Mandelbrot, 256 iterations a pixel", 8 * 256 / 2),
    ]
    points = [{"name": name, "intensity": i, "flops_per_second": min(H100_PEAK, i * H100_BANDWIDTH),
               "marker": "attainable"} for name, i in kernels]
    return roofline_svg(H100_PEAK, H100_BANDWIDTH, points, "Roofline of an H100 SXM (datasheet)",
                        "hollow marks: the most each kernel's intensity allows, not measurements; "
                        "transposes (no FLOPs) have none")


def write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    print("wrote %s" % path)


def main(argv: List[str]) -> int:
    root = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    if argv[:1] == ["lesson"]:
        lesson = os.path.join(root, "chapters", "05-profiling")
        write(os.path.join(lesson, "amdahl.svg"), amdahl_svg())
        write(os.path.join(lesson, "gustafson.svg"), gustafson_svg())
        write(os.path.join(lesson, "roofline.svg"), lesson_roofline())
        return 0
    if len(argv) == 3 and argv[0] == "roofline":
        with open(argv[1], encoding="utf-8") as handle:
            write(argv[2], roofline_from_grader(json.load(handle)))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
