"""The interval chart: each incident's casualty figures as intervals per claimant.

One panel per (incident, measure, victim group): one horizontal bar per figure from
``value_low`` to ``value_high``, an arrow where a side is unbounded (NULL), a dot at the
stated value, labelled by the claimant's name or "unattributed". Rendered with
matplotlib's SVG backend (no pyplot state, fixed hash salt so output is reproducible) and
returned as ``<svg>`` text to inline in the HTML report: no external file or font.
matplotlib is imported only when a panel is drawn, never with ``newsclaims.reporting``.
Which figures are charted (the incidents with the most of them) is decided in
``results``: drawing costs about 0.1 s a panel, so a big database is never charted whole."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from itertools import groupby

from newsclaims.errors import printable


# Characters of a label's claimant and words in the chart.
LABEL_CHARS = 120


@dataclass(frozen=True)
class Panel:
    incident_id: str
    incident_title: str | None
    measure: str
    victim_group: str
    figures: list[dict]
    svg: str
    total: int = 0  # figures of this panel in the database (``figures`` may be the first)

    @property
    def caption(self) -> str:
        return f"{self.incident_id}: {self.measure}, {self.victim_group}"


def _bounds(fig: dict) -> tuple[float | None, float | None]:
    return fig["value_low"], fig["value_high"]


def label(fig: dict) -> str:
    """A figure's label in the chart: its claimant, words and id, as plain text. The words
    come from the data: drawn with ``parse_math=False`` (``$5 and $6`` keeps its dollars,
    a ``$...$`` pair is not mathtext), on one line, without control characters (an SVG
    text cannot hold them), at most ``LABEL_CHARS`` characters before the id."""
    words = printable(" ".join(f"{fig['claimant']}: {fig['stated_text']}".split()))
    if len(words) > LABEL_CHARS:  # a label stays on its bar; the figures table has it whole
        words = words[: LABEL_CHARS - 1] + "…"
    return f"{words} ({printable(str(fig['figure_id']))})"


def _render_svg(figures: list[dict]) -> str:
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    values = [v for f in figures for v in (*_bounds(f), f["stated_value"]) if v is not None]
    top = max(values) if values else 10
    xmax = top * 1.2 + 1
    height = 0.55 + 0.5 * len(figures)
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "newsclaims", "text.usetex": False,
                     "font.family": "sans-serif", "font.size": 9}):
        fig = Figure(figsize=(7.5, height))
        FigureCanvasSVG(fig)
        ax = fig.add_axes((0.03, 0.4 / height, 0.94, 1 - 0.5 / height))
        for y, f in enumerate(figures):
            low, high = _bounds(f)
            left = low if low is not None else 0
            right = high if high is not None else xmax
            colour = "#8a8a8a" if f["qualifier"] == "about" else "#3b6ea8"
            ax.plot([left, right], [y, y], color=colour, linewidth=5, solid_capstyle="butt")
            if low is not None and high is not None and low == high:
                ax.plot([low], [y], "|", color=colour, markersize=14, markeredgewidth=3)
            if low is None:  # unbounded below: an arrowhead at the axis
                ax.plot([0], [y], "<", color=colour, markersize=9, clip_on=False)
            if high is None:  # unbounded above: an arrowhead at the right edge
                ax.plot([xmax], [y], ">", color=colour, markersize=9, clip_on=False)
            if f["stated_value"] is not None:
                ax.plot([f["stated_value"]], [y], "o", color="#c0392b", markersize=6)
            ax.text(xmax * 0.005, y - 0.22, label(f), va="bottom", ha="left", fontsize=8.5,
                    parse_math=False)
        ax.set_yticks([])
        ax.set_ylim(-0.75, len(figures) - 0.4)
        ax.invert_yaxis()
        ax.set_xlim(0, xmax)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return _inline(buffer.getvalue())


def _inline(svg: str) -> str:
    """Strip the XML prolog and doctype so the SVG can sit inside HTML."""
    start = svg.index("<svg")
    svg = svg[start:]
    # make the chart scale with the page
    return re.sub(r'(<svg[^>]*?)\swidth="[^"]*"\s+height="[^"]*"', r"\1", svg, count=1)


def interval_panels(figures: list[dict],
                    totals: dict[tuple[str, str, str], int] | None = None) -> list[Panel]:
    """One rendered panel per (incident, measure, victim group) holding figures.

    ``totals`` gives a panel's number of figures in the database when ``figures`` holds
    only its first ones."""
    def key(f: dict):
        return f["incident_id"], f["measure"], f["victim_group"]

    panels = []
    for (incident, measure, group), items in groupby(sorted(figures, key=key), key=key):
        items = list(items)
        total = max(len(items), (totals or {}).get((incident, measure, group), 0))
        panels.append(Panel(incident, items[0]["incident_title"], measure, group, items,
                            _render_svg(items), total))
    return panels
