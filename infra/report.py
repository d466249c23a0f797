"""Render the daily (and hourly) rollups as reports/summary.png and reports/summary.html.

    python -m infra.report [--from-file reports/rollups.json] [--out reports]
    python -m infra.report --endpoint-url http://127.0.0.1:5000 --table MetricsTable [--days 7] [--until 2026-11-23]

The file is {"daily": {"YYYY-MM-DD": {figure: value}}, "hourly": {"YYYY-MM-DDTHH:00:00Z": {...}}}
(`make demo` writes it). The table is read by key with BatchGetItem, never scanned. A day with no daily
rollup is counted from its hourly rollups (counts only). Figures are defined in docs/metrics.md.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "core"))

from socialcrm import metric_catalogue as catalogue  # noqa: E402
from socialcrm.adapters.dynamo import keys as table_keys  # noqa: E402
from socialcrm.metric_catalogue import ADDITIVE, CALL_SHARES, REPLIES, REPORT_TOTALS  # noqa: E402
from socialcrm.rollup import split_counter_name  # noqa: E402

DEFAULT_FILE = ROOT / "reports" / "rollups.json"
PNG_NAME, HTML_NAME = "summary.png", "summary.html"
FIGSIZE, DPI = (12.0, 9.0), 100  # the PNG is 1200 x 900 pixels
OVER_REPRESENTED, UNDER_REPRESENTED = 1.25, 0.8  # representation index bands (1 = as in the customer base)
SMALL_SAMPLE = 30  # fewer customers than this in either group: the shares are flagged as a small sample
REPLIERS = tuple(value for value, _ in REPLIES.shown.lines) if REPLIES.shown else ()
CHANNEL_SHARES = {metric.name: metric.label for metric in CALL_SHARES}
BATCH_KEYS, MAX_ATTEMPTS = 100, 6  # BatchGetItem takes at most 100 keys
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HOUR = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$")

Figures = dict[str, float]


@dataclass
class Rollups:
    daily: dict[str, Figures] = field(default_factory=dict)
    hourly: dict[str, Figures] = field(default_factory=dict)


# -- reading ---------------------------------------------------------------------------------------

def numeric(figures: Any) -> Figures:
    if not isinstance(figures, dict):
        raise ValueError("figures must be an object of {name: number}")
    return {str(name): float(value) for name, value in figures.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)}


def checked(periods: Any, pattern: re.Pattern[str], what: str) -> dict[str, Figures]:
    if not isinstance(periods, dict):
        raise ValueError(f"'{what}' must be an object")
    for key in periods:
        if not pattern.match(key):
            raise ValueError(f"not a {what} key: {key!r}")
    return {key: numeric(figures) for key, figures in periods.items()}


def read_file(path: Path) -> Rollups:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("the rollups file must be an object with 'daily' and 'hourly'")
    return Rollups(checked(data.get("daily", {}), _DAY, "daily"), checked(data.get("hourly", {}), _HOUR, "hourly"))


def rollup_keys(days: int, until: date) -> list[tuple[str, str]]:
    keys = []
    for offset in range(days - 1, -1, -1):
        day = (until - timedelta(days=offset)).isoformat()
        periods = [day, *(f"{day}T{hour:02d}:00:00Z" for hour in range(24))]
        keys += [(table_keys.rollup_partition(period), table_keys.rollup_kind(period)) for period in periods]
    return keys


def read_table(client: Any, table: str, days: int, until: date) -> Rollups:
    """The daily and hourly rollups of `days` days up to `until`, by key (BatchGetItem)."""
    rollups = Rollups()
    keys = rollup_keys(days, until)
    for start in range(0, len(keys), BATCH_KEYS):
        pending = {table: {"Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys[start:start + BATCH_KEYS]],
                           "ProjectionExpression": "pk, sk, figures"}}
        for attempt in range(MAX_ATTEMPTS):
            answer = client.batch_get_item(RequestItems=pending)
            for item in answer.get("Responses", {}).get(table, []):
                period = table_keys.period_of_rollup(item["pk"]["S"])
                target = rollups.daily if item["sk"]["S"] == table_keys.DAILY else rollups.hourly
                target[period] = numeric(json.loads(item["figures"]["S"]))
            pending = answer.get("UnprocessedKeys") or {}
            if not pending:
                break
            time.sleep(0.05 * 2 ** attempt)
        else:
            raise RuntimeError("DynamoDB left keys unprocessed after retries; try again")
    return rollups


def by_day(rollups: Rollups) -> tuple[dict[str, Figures], list[str]]:
    """Daily figures by day; days with only hourly rollups get their summed counts. Also: those days."""
    days = {day: dict(figures) for day, figures in rollups.daily.items()}
    from_hours: dict[str, Figures] = defaultdict(lambda: defaultdict(float))
    for hour, figures in rollups.hourly.items():
        if hour[:10] not in rollups.daily:
            for name, value in figures.items():
                if metric_of(name) in ADDITIVE:
                    from_hours[hour[:10]][name] += value
    days.update({day: dict(figures) for day, figures in from_hours.items()})
    return dict(sorted(days.items())), sorted(from_hours)


# -- figures ---------------------------------------------------------------------------------------

def metric_of(name: str) -> str:
    return split_counter_name(name)[0]


def dims_of(name: str) -> dict[str, str]:
    return dict(split_counter_name(name)[1])


def total(figures: Figures, metric: str, **dimensions: str) -> float:
    """Sum of `metric` over the figures whose dimensions include `dimensions`."""
    return sum(value for name, value in figures.items()
               if metric_of(name) == metric and dimensions.items() <= dims_of(name).items())


def present(figures: Figures, metric: str) -> bool:
    return any(metric_of(name) == metric for name in figures)


def by_dimension(figures: Figures, metric: str, dimension: str) -> dict[str, float]:
    found: dict[str, float] = defaultdict(float)
    for name, value in figures.items():
        if metric_of(name) == metric and dimension in dims_of(name):
            found[dims_of(name)[dimension]] += value
    return dict(found)


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class Summary:
    days: list[str]
    from_hours: list[str]
    totals: dict[str, float | None]
    posts_by_platform: dict[str, float]
    match_rate: float | None
    per_day: list[dict[str, Any]]
    replies: dict[str, float | None]
    calls: float
    channel_shares: dict[str, float | None]
    segments_day: str | None
    segments: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    busiest_hour: tuple[str, float] | None
    answer_worth: list[dict[str, Any]] = field(default_factory=list)  # per cohort day
    answer_worth_period: dict[str, Any] = field(default_factory=dict)  # the final days pooled


# What answering is worth: the counts behind each share (docs/metrics.md).
WORTH_COUNTS = {"answered": catalogue.ANSWERED_CUSTOMERS.name,
                "answered_called": catalogue.ANSWERED_CUSTOMERS_CALLED.name,
                "unanswered": catalogue.UNANSWERED_CUSTOMERS.name,
                "unanswered_called": catalogue.UNANSWERED_CUSTOMERS_CALLED.name,
                "open": catalogue.ANSWER_WORTH_OPEN_WINDOWS.name}


def worth_row(day: str, counts: dict[str, float]) -> dict[str, Any]:
    """One cohort's counts, its shares, and what the difference would mean in calls (not causal)."""
    answered_share = ratio(counts["answered_called"], counts["answered"])
    unanswered_share = ratio(counts["unanswered_called"], counts["unanswered"])
    saved = (counts["answered"] * unanswered_share - counts["answered_called"]
             if answered_share is not None and unanswered_share is not None else None)
    return {"day": day, **counts, "answered_share": answered_share, "unanswered_share": unanswered_share,
            "saved": saved, "small": min(counts["answered"], counts["unanswered"]) < SMALL_SAMPLE}


def answer_worth(days: dict[str, Figures]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per cohort day, and pooled over the days whose windows had all closed."""
    rows = [worth_row(day, {key: figures.get(name, 0.0) for key, name in WORTH_COUNTS.items()})
            for day, figures in days.items() if WORTH_COUNTS["answered"] in figures]
    final = [row for row in rows if row["open"] == 0]
    if not final:
        return rows, {}
    pooled = {key: sum(row[key] for row in final) for key in WORTH_COUNTS}
    return rows, {**worth_row(f"{final[0]['day']} to {final[-1]['day']}", pooled), "days": len(final)}


def summarize(days: dict[str, Figures], from_hours: list[str], hourly: dict[str, Figures]) -> Summary:
    period: Figures = defaultdict(float)
    for figures in days.values():
        for name, value in figures.items():
            if metric_of(name) in ADDITIVE:
                period[name] += value
    totals = {label: total(period, metric, **dims) if present(period, metric) else None
              for label, metric, dims in REPORT_TOTALS}
    matched, unmatched = total(period, "MatchedPosts"), total(period, "UnmatchedPosts")
    calls_by_day = {day: figures.get("Calls") for day, figures in days.items()}
    channel_shares = {}
    for metric in CHANNEL_SHARES:
        weighted = [(figures[metric], calls_by_day[day]) for day, figures in days.items()
                    if metric in figures and calls_by_day[day]]
        channel_shares[metric] = ratio(sum(s * c for s, c in weighted), sum(c for _, c in weighted))
    per_day = [{"day": day, "posts": total(figures, "Posts") if present(figures, "Posts") else None,
                "match_rate": figures.get("MatchRate"),
                "within_1h": figures.get("AnsweredWithin1hShare"), "median": figures.get("ResponseMedianMinutes"),
                "p90": figures.get("ResponseP90Minutes"), "calls": figures.get("Calls")}
               for day, figures in days.items()]
    worth_rows, worth_period = answer_worth(days)
    hourly_posts = {hour: total(figures, "Posts") for hour, figures in hourly.items()}
    busiest = max(sorted(hourly_posts.items()), key=lambda item: item[1], default=None)
    return Summary(
        days=list(days), from_hours=from_hours, totals=totals,
        posts_by_platform=dict(sorted(by_dimension(period, "Posts", "Platform").items())),
        match_rate=ratio(matched, matched + unmatched), per_day=per_day,
        replies={who: total(period, "Replies", By=who) if present(period, "Replies") else None for who in REPLIERS},
        calls=sum(c for c in calls_by_day.values() if c), channel_shares=channel_shares,
        segments_day=segments_day(days), segments=segments(days), topics=warned_topics(days),
        busiest_hour=busiest if busiest and busiest[1] > 0 else None, answer_worth=worth_rows,
        answer_worth_period=worth_period)


def segments_day(days: dict[str, Figures]) -> str | None:
    with_index = [day for day, figures in days.items() if by_dimension(figures, "RepresentationIndex", "Segment")]
    return with_index[-1] if with_index else None


def segments(days: dict[str, Figures]) -> list[dict[str, Any]]:
    """Each segment's representation on the last day that has it, most over-represented first."""
    day = segments_day(days)
    if day is None:
        return []
    figures = days[day]
    voice, base = by_dimension(figures, "VoiceShare", "Segment"), by_dimension(figures, "BaseShare", "Segment")
    rows = [{"segment": segment, "index": index, "voice": voice.get(segment), "base": base.get(segment)}
            for segment, index in by_dimension(figures, "RepresentationIndex", "Segment").items()]
    return sorted(rows, key=lambda row: (-row["index"], row["segment"]))


def warned_topics(days: dict[str, Figures]) -> list[dict[str, Any]]:
    """Topics with a warning on any day: posts over the period, authors and skew on the last warned day."""
    topics: dict[str, dict[str, Any]] = {}
    for day, figures in days.items():
        posts = by_dimension(figures, "TopicPosts", "Topic")
        authors, skew = by_dimension(figures, "TopicAuthors", "Topic"), by_dimension(figures, "TopicSkew", "Topic")
        for topic in set(posts) | set(by_dimension(figures, "TopicWarning", "Topic")):
            row = topics.setdefault(topic, {"topic": topic, "posts": 0.0, "warned_days": 0, "authors": None,
                                            "skew": None})
            row["posts"] += posts.get(topic, 0.0)
            if total(figures, "TopicWarning", Topic=topic) >= 1:
                row.update(warned_days=row["warned_days"] + 1, authors=authors.get(topic), skew=skew.get(topic),
                           last_warned=day)
    return sorted((row for row in topics.values() if row["warned_days"]), key=lambda row: (-row["posts"], row["topic"]))


# -- rendering -------------------------------------------------------------------------------------

def segment_label(segment: str) -> str:
    return "(no segment)" if segment == "none" else segment


def band_colour(value: float) -> str:
    if value >= OVER_REPRESENTED:
        return "tab:orange"
    return "tab:blue" if value <= UNDER_REPRESENTED else "tab:grey"


def plain(text: str) -> str:
    """A label matplotlib draws as written (no mathtext)."""
    return text.replace("$", r"\$")


def series(days: dict[str, Figures], metric: str) -> list[float]:
    return [days[day].get(metric, math.nan) for day in days]


def no_data(axes: Any) -> None:
    axes.text(0.5, 0.5, "no data", ha="center", va="center", transform=axes.transAxes, color="grey")
    axes.set_axis_off()


def lines(axes: Any, days: dict[str, Figures], metrics: dict[str, str]) -> None:
    drawn = False
    for metric, label in metrics.items():
        values = series(days, metric)
        if not all(math.isnan(value) for value in values):
            axes.plot(range(len(days)), values, marker="o", label=label)
            drawn = True
    if drawn:
        axes.legend(fontsize="small")
    else:
        no_data(axes)


def render_png(days: dict[str, Figures], summary: Summary, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    (volume, rates), (response, representation) = figure.subplots(2, 2)
    labels = [day[5:] for day in days]
    positions = list(range(len(days)))

    bottom = [0.0] * len(days)
    for platform in summary.posts_by_platform:
        heights = [total(figures, "Posts", Platform=platform) for figures in days.values()]
        volume.bar(positions, heights, bottom=bottom, label=plain(platform))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    volume.set_title("Posts per day by platform")
    if summary.posts_by_platform:
        volume.legend(fontsize="small", ncols=2)
    else:
        no_data(volume)

    lines(rates, days, {"MatchRate": "match rate", "AnsweredWithin1hShare": "answered within 1 h"})
    rates.set_ylim(0, 1.05)
    rates.set_title("Match rate and answered within 1 h (share)")

    lines(response, days, {"ResponseMedianMinutes": "median", "ResponseP90Minutes": "p90"})
    response.set_ylim(bottom=0)
    response.set_title("Response time, minutes")

    for axes in (volume, rates, response):
        axes.set_xticks(positions, labels, rotation=45 if len(days) > 10 else 0)

    if summary.segments:
        names = [plain(segment_label(row["segment"])) for row in summary.segments]
        values = [row["index"] for row in summary.segments]
        representation.bar(names, values, color=[band_colour(value) for value in values])
        representation.axhline(1.0, color="black", linestyle="--", linewidth=1)
        representation.tick_params(axis="x", labelrotation=30)
    else:
        no_data(representation)
    representation.set_title(f"Representation index by segment ({summary.segments_day or 'no day'})")

    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI, format="png")


def count(value: float | None) -> str:
    if value is None:
        return "no data"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def share(value: float | None) -> str:
    return "no data" if value is None or math.isnan(value) else f"{value:.1%}"


def minutes(value: float | None) -> str:
    return "no data" if value is None or math.isnan(value) else f"{value:,.1f} min"


def index(value: float | None) -> str:
    return "no data" if value is None else f"{value:.2f}"


def table(headings: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def segment_line(rows: list[dict[str, Any]]) -> str:
    return ", ".join(f"{segment_label(row['segment'])} ({index(row['index'])})" for row in rows) or "none"


def worth_line(row: dict[str, Any]) -> str:
    """'answered: 3 customers, 1 called (33.3%); unanswered: 6, 4 called (66.7%)', the counts before the shares."""
    return (f"answered: {count(row['answered'])} customers, {count(row['answered_called'])} called within 24 h "
            f"({share(row['answered_share'])}); unanswered: {count(row['unanswered'])}, "
            f"{count(row['unanswered_called'])} called ({share(row['unanswered_share'])})"
            + ("; small sample" if row["small"] else ""))


def worth_section(summary: Summary) -> list[str]:
    esc = html.escape
    parts = ["<h2>What answering is worth</h2>",
             "<p>Customers who posted on the day (linked, waiting for our answer): did those whose post got an "
             "official answer within 24 h call within 24 h of their first post, as often as those whose posts got "
             "none? A comparison, not a cause: who gets answered is not random. Fewer than "
             f"{SMALL_SAMPLE} customers in a group is marked as a small sample. Definitions: docs/metrics.md.</p>"]
    if not summary.answer_worth:
        return [*parts, "<p>No cohort figures in this period.</p>"]
    period = summary.answer_worth_period
    if period:
        saved = period["saved"]
        parts.append(f"<p>Over {esc(str(period['days']))} complete days ({esc(period['day'])}): "
                     f"<strong>{esc(worth_line(period))}</strong>."
                     + (f" Had answered customers called as often as unanswered ones: {esc(count(saved))} more calls "
                        "(negative: fewer)." if saved is not None else "") + "</p>")
    parts.append(table(
        ["Day posted", "Answered", "called", "share", "Unanswered", "called", "share", "Windows still open"],
        [[row["day"], count(row["answered"]), count(row["answered_called"]), share(row["answered_share"]),
          count(row["unanswered"]), count(row["unanswered_called"]), share(row["unanswered_share"]),
          count(row["open"]) if row["open"] else "none (final)"] for row in summary.answer_worth]))
    return parts


def render_html(summary: Summary, path: Path, png_name: str = PNG_NAME) -> None:
    esc = html.escape
    first, last = summary.days[0], summary.days[-1]
    last_day = summary.per_day[-1]
    over = [row for row in summary.segments if row["index"] >= OVER_REPRESENTED]
    under = [row for row in summary.segments if row["index"] <= UNDER_REPRESENTED]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Social CRM report</title>',
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.2rem .6rem;"
        "text-align:left}img{max-width:100%}</style></head><body>",
        "<h1>Social CRM report</h1>",
        f"<p>Period covered: <strong>{esc(first)}</strong> to <strong>{esc(last)}</strong> "
        f"({esc(str(len(summary.days)))} days with data, UTC).</p>",
    ]
    if summary.from_hours:
        parts.append(f"<p>Counted from hourly rollups (no daily rollup yet): {esc(', '.join(summary.from_hours))}."
                     "</p>")
    parts += [
        "<h2>Totals</h2>",
        table(["Figure", "Total"], [[label, count(value)] for label, value in summary.totals.items()]),
        table(["Platform", "Posts"], [[p, count(v)] for p, v in summary.posts_by_platform.items()]),
        f"<p>Match rate over the period: <strong>{esc(share(summary.match_rate))}</strong> "
        "of posts matched to a customer.</p>",
    ]
    if summary.busiest_hour:
        parts.append(f"<p>Busiest hour: {esc(summary.busiest_hour[0])} ({esc(count(summary.busiest_hour[1]))} "
                     "posts).</p>")
    parts += [
        "<h2>Response</h2>",
        f"<p>Last day ({esc(last_day['day'])}): median <strong>{esc(minutes(last_day['median']))}</strong>, "
        f"p90 <strong>{esc(minutes(last_day['p90']))}</strong>, answered within 1 h "
        f"{esc(share(last_day['within_1h']))}.</p>",
        table(["Day", "Posts", "Match rate", "Answered within 1 h", "Median", "p90", "Calls"],
              [[row["day"], count(row["posts"]), share(row["match_rate"]), share(row["within_1h"]),
                minutes(row["median"]), minutes(row["p90"]), count(row["calls"])] for row in summary.per_day]),
        "<h2>Governance: who replied</h2>",
        table(["Replied by", "Replies"], [[who.replace("_", " "), count(n)] for who, n in summary.replies.items()]),
        "<h2>Channel switching</h2>",
        f"<p>Calls: {esc(count(summary.calls))}. Shares weighted by each day's calls:</p>",
        table(["Calls where the customer", "Share"],
              [[CHANNEL_SHARES[metric], share(value)] for metric, value in summary.channel_shares.items()]),
        *worth_section(summary),
        "<h2>Representation by segment</h2>",
    ]
    if summary.segments:
        parts += [
            f"<p>On {esc(summary.segments_day or '')}: over-represented (index ≥ {OVER_REPRESENTED}): "
            f"<strong>{esc(segment_line(over))}</strong>; under-represented (index ≤ {UNDER_REPRESENTED}): "
            f"<strong>{esc(segment_line(under))}</strong>.</p>",
            table(["Segment", "Voice share", "Base share", "Representation index"],
                  [[segment_label(row["segment"]), share(row["voice"]), share(row["base"]), index(row["index"])]
                   for row in summary.segments]),
        ]
    else:
        parts.append("<p>No representation figures in this period.</p>")
    parts.append("<h2>Topics with warnings</h2>")
    if summary.topics:
        parts += ["<p>Volume from a small or unrepresentative group of authors: read these with care.</p>",
                  table(["Topic", "Posts (period)", "Days warned", "Authors (last warned day)", "Skew"],
                        [[row["topic"], count(row["posts"]), row["warned_days"], count(row["authors"]),
                          index(row["skew"])] for row in summary.topics])]
    else:
        parts.append("<p>None.</p>")
    parts += [f'<p><img src="{esc(png_name)}" alt="Posts, match rate, response times and representation"></p>',
              "</body></html>"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


def render(rollups: Rollups, out: Path) -> Summary:
    days, from_hours = by_day(rollups)
    if not days:
        raise ValueError("no rollups in the period")
    summary = summarize(days, from_hours, rollups.hourly)
    render_png(days, summary, out / PNG_NAME)
    render_html(summary, out / HTML_NAME)
    return summary


# -- command line ----------------------------------------------------------------------------------

def dynamodb_client(endpoint_url: str | None, region: str) -> Any:
    import boto3

    if endpoint_url and not os.environ.get("AWS_ACCESS_KEY_ID"):  # the local stack takes any key
        from infra.local.stack import FAKE_CREDENTIALS

        return boto3.client("dynamodb", endpoint_url=endpoint_url, region_name=region,
                            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    return boto3.client("dynamodb", endpoint_url=endpoint_url, region_name=region)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-file", type=Path, default=DEFAULT_FILE,
                        help="rollups JSON (default reports/rollups.json)")
    parser.add_argument("--table", help="read the MetricsTable instead (e.g. MetricsTable on the local stack)")
    parser.add_argument("--endpoint-url", help="e.g. http://127.0.0.1:5000 for the local stack")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
                        or "us-east-1")
    parser.add_argument("--days", type=int, default=7, help="days to read from the table (default 7)")
    parser.add_argument("--until", type=date.fromisoformat, default=datetime.now(UTC).date(),
                        help="last day to read from the table, YYYY-MM-DD (default today, UTC)")
    parser.add_argument("--out", type=Path, default=ROOT / "reports", help="output folder (default reports/)")
    arguments = parser.parse_args(argv)
    if arguments.days < 1:
        parser.error("--days must be at least 1")
    try:
        if arguments.table:
            client = dynamodb_client(arguments.endpoint_url, arguments.region)
            rollups = read_table(client, arguments.table, arguments.days, arguments.until)
        elif not arguments.from_file.is_file():
            print(f"{arguments.from_file} not found: run `make demo` first (it writes the rollups), "
                  "or read a stack's table: make report ENDPOINT=http://127.0.0.1:5000", file=sys.stderr)
            return 2
        else:
            rollups = read_file(arguments.from_file)
        summary = render(rollups, arguments.out)
    except ValueError as error:
        print(f"cannot make the report: {error}", file=sys.stderr)
        return 1
    print(f"{arguments.out / HTML_NAME} and {arguments.out / PNG_NAME}: {summary.days[0]} to {summary.days[-1]}, "
          f"{count(summary.totals['Posts'])} posts")
    for row in summary.answer_worth:
        state = "final" if not row["open"] else f"not final, {count(row['open'])} still within their 24 h"
        print(f"what answering is worth, posted {row['day']} ({state}): {worth_line(row)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
