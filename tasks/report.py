"""`wenji report`: one self-contained HTML page of charts over the analysis views.

Two halves: `query_report_data` runs the chart queries (`sql/reports/*.sql`, the same files people run
with `wenji query --file`) on the database, read-only; `render_html` is pure, data in → HTML string out.

Charts are Plotly: the `plotly` wheel ships plotly.js, which is inlined once into the page, so the file
opens offline with no CDN. (Altair needs the Vega bundles from a CDN for interactive output, or
vl-convert's native binary to inline them; Plotly needs neither.) Every text that comes from pages
(titles, words, categories, site names, error messages) is HTML-escaped, in tables and in chart labels:
Plotly's own label renderer understands a few HTML tags, so an unescaped title could still inject markup.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wenji import __version__
from wenji.tasks.db import open_db, sql_text

# Report queries by name (sql/reports/NAME.sql); each returns the rows of one chart or table.
QUERIES = {
    "overview": "reports/overview",
    "top_terms": "reports/top_terms",
    "term_trends": "reports/term_trends",
    "documents_by_category": "reports/documents_by_category_type",
    "slogan_spread": "reports/slogan_spread",
    "duplicates": "reports/most_copied",
    "outline_depth": "reports/outline_depth",
    "errors": "reports/errors_by_stage",
    "documents": "reports/latest_documents",
}

CHART_HEIGHT = 420  # px; room for 20 horizontal bars with Chinese labels
FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'


@dataclass(slots=True)
class Rows:
    """The result of one report query: column names and rows."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def col(self, name: str) -> list[Any]:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


@dataclass(slots=True)
class ReportData:
    db_path: str
    generated_at: datetime
    results: dict[str, Rows] = field(default_factory=dict)


def query_report_data(db_path: str | Path) -> ReportData:
    """Run every report query on the database at `db_path`, opened read-only."""
    data = ReportData(db_path=str(db_path), generated_at=datetime.now(UTC))
    with open_db(db_path, read_only=True) as con:
        for key, name in QUERIES.items():
            cur = con.execute(sql_text(name))
            data.results[key] = Rows([d[0] for d in cur.description], cur.fetchall())
    return data


def _esc(v: object) -> str:
    return html.escape("" if v is None else str(v))


def _figure_html(fig: Any, div_id: str) -> str:
    fig.update_layout(
        template="plotly_white",
        height=CHART_HEIGHT,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT_FAMILY},
    )
    # plotly.js is inlined once in <head>; its JSON escapes '<' and '/', so data cannot close the <script>.
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def _bar(x: Sequence[Any], y: Sequence[Any], horizontal: bool = False, **trace: Any) -> Any:
    import plotly.graph_objects as go

    if horizontal:
        return go.Bar(x=list(x), y=list(y), orientation="h", **trace)
    return go.Bar(x=list(x), y=list(y), **trace)


def _top_terms_chart(rows: Rows) -> str:
    import plotly.graph_objects as go

    words = [_esc(w) for w in rows.col("word")][::-1]  # largest on top
    fig = go.Figure(_bar(rows.col("count")[::-1], words, horizontal=True, hovertext=rows.col("pos")[::-1]))
    fig.update_layout(xaxis_title="occurrences", yaxis={"type": "category"})
    return _figure_html(fig, "chart-top-terms")


def _trends_chart(rows: Rows) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    by_word: dict[str, list[dict[str, Any]]] = {}
    for r in rows.dicts():
        by_word.setdefault(r["word"], []).append(r)
    for word, points in by_word.items():
        fig.add_trace(
            go.Scatter(
                x=[str(p["month"]) for p in points],
                y=[p["share"] for p in points],
                mode="lines+markers",
                name=_esc(word),
            )
        )
    fig.update_layout(xaxis_title="month published", yaxis_title="per 1,000 content tokens")
    return _figure_html(fig, "chart-term-trends")


def _spread_chart(rows: Rows) -> str:
    """Sites that have used each formulation by each month; in a corpus where every one stays on one site,
    documents instead (sites would be a flat 1)."""
    import plotly.graph_objects as go

    by_sites = max(rows.col("sites_so_far")) > 1
    y = "sites_so_far" if by_sites else "documents_so_far"
    fig = go.Figure()
    points: dict[str, list[dict[str, Any]]] = {}
    for r in rows.dicts():
        points.setdefault(r["term"], []).append(r)
    for term, ps in points.items():
        fig.add_trace(
            go.Scatter(
                x=[str(p["month"]) for p in ps],
                y=[p[y] for p in ps],
                mode="lines+markers",
                name=_esc(term),
                hovertext=[f"{p['documents']} documents, {p['sites']} sites this month" for p in ps],
            )
        )
    fig.update_layout(
        xaxis_title="month published",
        yaxis_title="sites that have used it" if by_sites else "documents that have used it (one site)",
    )
    return _figure_html(fig, "chart-slogan-spread")


def _stacked_chart(rows: Rows, x: str, stack: str, y: str, div_id: str, horizontal: bool = False) -> str:
    import plotly.graph_objects as go

    xs = list(dict.fromkeys(rows.col(x)))
    fig = go.Figure()
    for group in dict.fromkeys(rows.col(stack)):
        values = {r[x]: r[y] for r in rows.dicts() if r[stack] == group}
        counts = [values.get(v, 0) for v in xs]
        labels = [_esc(v) for v in xs]
        fig.add_trace(
            _bar(counts, labels, horizontal=True, name=_esc(group))
            if horizontal
            else _bar(labels, counts, name=_esc(group))
        )
    fig.update_layout(barmode="stack", legend_title_text=_esc(stack))
    return _figure_html(fig, div_id)


def _duplicates_chart(rows: Rows) -> str:
    """Copies per near-duplicate group, the sites carrying them in the label: copies, not sites, are the
    bars, since in a one-site corpus every group is on one site and a bar of sites says nothing."""
    import plotly.graph_objects as go

    labels = [
        f"{_esc(t)}（{n} site{'s' if n != 1 else ''}）"
        for t, n in zip(rows.col("title"), rows.col("sites"), strict=True)
    ][::-1]
    fig = go.Figure(
        _bar(rows.col("copies")[::-1], labels, horizontal=True, hovertext=rows.col("min_similarity")[::-1])
    )
    fig.update_layout(xaxis_title="copies (documents in the group)", yaxis={"type": "category"})
    return _figure_html(fig, "chart-duplicates")


def _outline_chart(rows: Rows) -> str:
    import plotly.graph_objects as go

    fig = go.Figure(_bar([str(d) for d in rows.col("depth")], rows.col("documents")))
    fig.update_layout(
        xaxis_title="deepest heading level", yaxis_title="documents", xaxis={"type": "category"}
    )
    return _figure_html(fig, "chart-outline-depth")


def _table(rows: Rows) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in rows.columns)
    body = "".join("<tr>" + "".join(f"<td>{_esc(_cell(v))}</td>" for v in r) + "</tr>" for r in rows.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(v: object) -> object:
    if isinstance(v, list):
        return "、".join(str(x) for x in v)
    if isinstance(v, float):
        return round(v, 3)
    return v


def _section(title: str, rows: Rows, build: Callable[[Rows], str], note: str = "") -> str:
    content = build(rows) if rows.rows else '<p class="empty">No rows.</p>'
    return f"<section><h2>{_esc(title)}</h2>{f'<p>{_esc(note)}</p>' if note else ''}{content}</section>"


_CSS = """
body { font-family: FONTS; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #ddd; }
.meta { color: #666; font-size: .9rem; } .empty { color: #888; font-style: italic; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }
.card { background: #f5f7fa; border-radius: 6px; padding: .6rem 1rem; min-width: 8rem; }
.card b { display: block; font-size: 1.4rem; }
table { border-collapse: collapse; font-size: .85rem; width: 100%; }
th, td { border-bottom: 1px solid #eee; padding: .3rem .5rem; text-align: left; vertical-align: top; }
section { margin-bottom: 2rem; }
""".replace("FONTS", FONT_FAMILY)


def render_html(data: ReportData, plotly_js: str | None = None) -> str:
    """The report as one HTML document; `plotly_js` defaults to the plotly.js bundled with the wheel."""
    if plotly_js is None:
        from plotly.offline import get_plotlyjs

        plotly_js = get_plotlyjs()
    r = data.results
    overview = r["overview"].dicts()[0] if r["overview"].rows else {}
    cards = "".join(
        f'<div class="card"><b>{_esc(v)}</b>{_esc(k.replace("_", " "))}</div>' for k, v in overview.items()
    )
    sections = [
        _section(
            "Top terms",
            r["top_terms"],
            _top_terms_chart,
            "Most frequent words without punctuation, stopwords, numerals and placeholders (view term_freq).",
        ),
        _section(
            "Term trends",
            r["term_trends"],
            _trends_chart,
            "The most frequent terms, per month of publication (view term_by_month).",
        ),
        _section(
            "Documents per category and type",
            r["documents_by_category"],
            lambda rows: _stacked_chart(rows, "category", "doc_type", "documents", "chart-categories"),
        ),
        _section(
            "How formulations spread",
            r["slogan_spread"],
            _spread_chart,
            "The 5 most widespread quoted phrases, numeric slogans and series: sites (or, on one site,"
            " documents) that have used each by each month (view term_timeline).",
        ),
        _section(
            "Most-copied texts",
            r["duplicates"],
            _duplicates_chart,
            "Near-duplicate groups by number of copies, within a site or across sites; (n sites) = the sites"
            " carrying them. No rows: no text occurs twice.",
        ),
        _section(
            "Outline depth",
            r["outline_depth"],
            _outline_chart,
            "Documents by the deepest level of their heading outline (view outline_tree).",
        ),
        _section(
            "Errors per stage",
            r["errors"],
            lambda rows: _stacked_chart(rows, "stage", "kind", "pages", "chart-errors", horizontal=True),
        ),
        _section("Latest documents", r["documents"], _table),
    ]
    generated = data.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>wenji report — {_esc(Path(data.db_path).name)}</title>"
        f"<style>{_CSS}</style><script>{plotly_js}</script></head><body>"
        f'<h1>wenji report</h1><p class="meta">{_esc(data.db_path)} · generated {generated} · '
        f'wenji {_esc(__version__)}</p><div class="cards">{cards}</div>'
        + "".join(sections)
        + "</body></html>\n"
    )


def write_report(db_path: str | Path, out: str | Path) -> Path:
    """Query the database and write the report to `out`; returns the path written."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(query_report_data(db_path)), encoding="utf-8")
    return out
