"""A comparison as one self-contained HTML page: per posting, demand against assigned officers
month by month for every plan, and the plans' totals.

Drawn with Vega-Altair, its scripts inlined by vl-convert, so that the page opens offline and
requests nothing. Altair was chosen over Plotly because the page is what commanders pass
around: with Vega, Vega-Lite and vega-embed inlined it weighs about 0.9 MB, where Plotly inlines
plotly.js at about 4.8 MB for the same lines. The price is on the machine that writes the page:
vl-convert is a native package (about 85 MB installed) and bundles the scripts once per process
(about 2.5 s on a 2-core machine). Months are an ordinal axis, so a plan's series is exactly its
table's figures; the page draws no more than a few hundred points per posting.

This is the only module that imports altair and vl_convert (installed by the ``charts`` extra).
"""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path
from typing import Any

from rotation.compare import Comparison
from rotation.errors import InputError, Problem
from rotation.private import private_folder

__all__ = ["chart_spec", "write_html"]


def _points(comparison: Comparison, posting: str) -> list[dict[str, Any]]:
    """One point per plan, month and series (assigned, demand minimum, demand maximum)."""
    points = []
    for month in comparison.months:
        for side, cell in zip(comparison.sides, comparison.cells[posting, month], strict=True):
            if cell is None:
                continue  # the plan has no such posting (a scenario opened it)
            for series, value in (("assigned", cell.assigned), ("minimum", cell.minimum),
                                  ("maximum", cell.maximum)):
                points.append({"month": month, "plan": side.label, "series": series,
                               "officers": value})
    return points


def chart_spec(comparison: Comparison) -> dict[str, Any]:
    """The page's charts as one Vega-Lite specification (a chart per posting, one above the
    other): each plan a colour, assigned officers a solid line with points, its demand minimum
    dashed and maximum dotted."""
    import altair as alt

    charts = []
    for pid, name in comparison.postings:
        data = alt.Data(values=_points(comparison, pid))  # type: ignore[no-untyped-call]
        base = alt.Chart(data).encode(
            x=alt.X("month:O", title="month", sort=list(comparison.months)),
            y=alt.Y("officers:Q", title="officers"),
            color=alt.Color("plan:N", title="plan",
                            sort=[s.label for s in comparison.sides]),
            strokeDash=alt.StrokeDash(
                "series:N", title="series", sort=["assigned", "minimum", "maximum"],
                scale=alt.Scale(domain=["assigned", "minimum", "maximum"],
                                range=[[1, 0], [6, 3], [1, 3]])),
            tooltip=["plan:N", "month:O", "series:N", "officers:Q"],
        )
        lines = base.mark_line(point=True).transform_filter(alt.datum.series == "assigned")
        demand = base.mark_line(opacity=0.7).transform_filter(alt.datum.series != "assigned")
        charts.append((lines + demand).properties(
            title=f"{name} ({pid}): demand and assigned officers", width=900, height=180))
    spec: dict[str, Any] = alt.vconcat(*charts).resolve_scale(color="shared").to_dict()
    return spec


def _table(comparison: Comparison) -> str:
    heads = "".join(f"<th>{html.escape(s.label)}</th>" for s in comparison.sides)
    rows = []
    for row in comparison.totals_rows():
        cells = "".join(f"<td>{html.escape(str(row[s.label]))}</td>" for s in comparison.sides)
        rows.append(f"<tr><th scope='row'>{html.escape(str(row['figure']))}</th>{cells}</tr>")
    return (f"<table><thead><tr><th>figure</th>{heads}</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _officers(comparison: Comparison) -> str:
    if not comparison.officers:
        return "<p>No officer's deployments differ.</p>"
    heads = "".join(f"<th>{html.escape(s.label)}</th>" for s in comparison.sides)
    heads += "".join(f"<th>change in {html.escape(s.label)}</th>"
                     for s in comparison.sides[1:])
    rows = []
    for o in comparison.officers:
        cells = "".join(f"<td>{html.escape(t)}</td>" for t in (*o.deployments, *o.changes))
        rows.append(f"<tr><th scope='row'>{html.escape(o.officer)} {html.escape(o.name)}</th>"
                    f"{cells}</tr>")
    return (f"<table><thead><tr><th>officer</th>{heads}</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; }
td { font-variant-numeric: tabular-nums; }
"""


def render_html(comparison: Comparison) -> str:
    """The page as text: a heading, the totals, the charts and the officers who move."""
    import altair as alt

    chart = alt.Chart.from_dict(chart_spec(comparison))
    page: str = chart.to_html(inline=True, embed_options={"actions": False, "renderer": "svg"},
                              output_div="charts")
    names = ", ".join(s.label for s in comparison.sides)
    case = comparison.sides[0].stored.case_name
    head = (f"<title>Comparison: {html.escape(names)}</title><style>{_STYLE}</style>")
    top = (f"<h1>Comparison of {html.escape(names)}</h1>"
           f"<p>{html.escape(case)}. The first plan is the reference for the officers' "
           "changes.</p><h2>Totals</h2>" + _table(comparison)
           + "<h2>Demand and assigned officers by posting</h2>"
           "<p>Solid lines with points: officers assigned; dashed: the minimum asked; dotted: "
           "the maximum.</p>")
    bottom = "<h2>Officers whose deployments differ</h2>" + _officers(comparison)
    # The inlined scripts hold "<body>" in their own text: the page's tags are the first
    # <head> and the last <body> and </body>.
    page = page.replace("<head>", "<head>\n" + head, 1)
    before, tag, after = page.rpartition("<body>")
    inner, end, rest = after.rpartition("</body>")
    return before + tag + "\n" + top + inner + bottom + "\n" + end + rest


def write_html(comparison: Comparison, out: Path) -> Path:
    """Write the page to ``out`` whole or not at all, for its owner only (0600, in folders made
    0700): it names officers and where they serve, as the exports do (see
    :mod:`rotation.private`). Passing it around is the planner's choice, not the default."""
    try:
        import altair  # noqa: F401
        import vl_convert  # noqa: F401
    except ImportError as err:
        raise InputError(Problem(
            f"the comparison page needs the charts extra ({err.name} is not installed): "
            "pip install -e '.[charts]'", field="--html")) from err
    text = render_html(comparison)
    try:
        private_folder(out.parent)
        # mkstemp creates the file 0600 whatever the umask; it keeps that mode when moved.
        handle, temp = tempfile.mkstemp(prefix=".rotation-compare-", dir=out.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            Path(temp).replace(out)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
    except OSError as err:
        raise InputError(Problem(f"cannot write the page: {err}", str(out),
                                 field="--html")) from err
    return out
