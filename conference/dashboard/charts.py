"""Server-rendered SVG charts (no JavaScript, no CDN); each is paired with a data table.

Colours are chosen to reach at least 3:1 contrast against white (WCAG 2.1 non-text contrast).
"""

from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ["#003399", "#b35900", "#0b6b2e", "#7a1f7a", "#a4000f", "#005f73"]


def bar_chart(title: str, series: list[tuple[str, float]], *, width: int = 640) -> Markup:
    """A horizontal bar chart; labels and values are drawn as text, so it reads without colour."""
    if not series:
        return Markup("")
    bar_h, gap, label_w, value_w = 22, 8, 190, 60
    height = len(series) * (bar_h + gap) + gap
    top = max((v for _, v in series), default=0) or 1
    plot_w = width - label_w - value_w
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="chart-{_slug(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-{_slug(title)}">{escape(title)}</title>',
    ]
    for i, (label, value) in enumerate(series):
        y = gap + i * (bar_h + gap)
        w = 0 if value <= 0 else max(2, round(plot_w * value / top))
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" '
            f'font-size="13" fill="#1a1a1a"{_cut_mark(label)}>{escape(_short(label))}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + w + 6}" y="{y + bar_h * 0.7:.1f}" font-size="13" '
            f'fill="#1a1a1a">{_number(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text is escaped above)


def line_chart(
    title: str, labels: list[str], series: dict[str, list[float]], *, width: int = 640
) -> Markup:
    """A line chart over ``labels`` (x axis), one line per series, with a legend."""
    if not labels or not series:
        return Markup("")
    height, left, right, top_pad, bottom = 260, 44, 16, 16, 70
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max((max(values) for values in series.values() if values), default=0) or 1
    step = plot_w / max(len(labels) - 1, 1)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height + 22 * len(series)}" '
        f'width="100%" aria-labelledby="chart-{_slug(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-{_slug(title)}">{escape(title)}</title>',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" '
        f'stroke="#4a4a4a"/>',
        f'<text x="{left - 6}" y="{top_pad + 10}" text-anchor="end" font-size="12" '
        f'fill="#1a1a1a">{_number(top)}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" font-size="12" '
        f'fill="#1a1a1a">0</text>',
    ]
    for i, label in enumerate(labels):
        if len(labels) <= 12 or i % max(len(labels) // 12, 1) == 0:
            x, y = left + i * step, top_pad + plot_h + 14
            parts.append(
                f'<text x="{x:.1f}" y="{y}" font-size="11" fill="#1a1a1a" '
                f'transform="rotate(35 {x:.1f} {y})">{escape(label[-11:])}</text>'
            )
    for n, (name, values) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(
            f"{left + i * step:.1f},{top_pad + plot_h - plot_h * v / top:.1f}"
            for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
        )
        y = height + 22 * n
        parts.append(
            f'<rect x="{left}" y="{y - 10}" width="14" height="4" fill="{colour}"/>'
            f'<text x="{left + 20}" y="{y - 4}" font-size="13" fill="#1a1a1a">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text is escaped above)


def figure_chart(figure) -> Markup:
    """The chart that suits ``figure`` (see ``dashboard.services.Figure``)."""
    if figure.chart == "bar":
        return bar_chart(figure.title, figure.series())
    if figure.chart == "line":
        labels = [str(r[0]) for r in figure.rows]
        series = {
            name: [float(r[i + 1] or 0) for r in figure.rows]
            for i, name in enumerate(figure.columns[1:])
        }
        return line_chart(figure.title, labels, series)
    return Markup("")


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())[:40]


LABEL_LIMIT = 26


def _short(label: str, limit: int = LABEL_LIMIT) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _cut_mark(label: str) -> str:
    """A cut label is a fragment (the full text is in the paired table): not text to
    translate, so it says so, as entered data does."""
    return ' translate="no"' if len(label) > LABEL_LIMIT else ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
