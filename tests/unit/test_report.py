"""make report: rollups -> reports/summary.png and summary.html, from a small fixture of five days."""

from __future__ import annotations

import html
import json
import re
import struct
from datetime import date

import pytest

from infra import report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HOSTILE_TOPIC = "#<script>alert(1)</script>"
HOSTILE_SEGMENT = 'gold"><img src=x>'


def day_figures(n: int) -> dict[str, float]:
    """Day n of the fixture: volumes grow with n; the last days warn on a hostile topic."""
    figures = {
        "Posts|Platform=facebook|Kind=comment": 10 + n, "Posts|Platform=facebook|Kind=post": 2,
        "Posts|Platform=instagram|Kind=comment": 3 * n, "Posts|Platform=x|Kind=mention": 1,
        "MatchedPosts|Platform=facebook": 8 + n, "MatchedPosts|Platform=instagram": 2 * n,
        "UnmatchedPosts|Platform=facebook": 4, "UnmatchedPosts|Platform=instagram": n, "UnmatchedPosts|Platform=x": 1,
        "HeldForReview|Platform=facebook": 1, "InboundPosts": 12 + n, "AnsweredPosts": 10 + n,
        "AnsweredWithin|Window=1h": 6 + n, "AnsweredWithin|Window=24h": 9 + n,
        "Replies|By=company": 9 + n, "Replies|By=employee": 2, "Replies|By=peer": n, "Replies|By=unofficial_brand": 1,
        "ResponseMedianMinutes": 30.0 + 5 * n, "ResponseP90Minutes": 200.0 + 10 * n,
        "AnsweredWithin1hShare": (6 + n) / (12 + n), "AnsweredWithin24hShare": (9 + n) / (12 + n),
        "Calls": 10 * n, "CallsPosted24hShare": 0.1 * n, "CallsPosted7dShare": 0.15 * n,
        "CallsWithSocialContextShare": 0.5,
        "RepresentationIndex|Segment=none": 0.5, f"RepresentationIndex|Segment={HOSTILE_SEGMENT}": 1.6,
        "RepresentationIndex|Segment=silver": 1.0 + 0.01 * n,
        "VoiceShare|Segment=none": 0.2, "BaseShare|Segment=none": 0.4,
        f"TopicPosts|Topic={HOSTILE_TOPIC}": 5 * n, "TopicPosts|Topic=#refund": 4,
        f"TopicWarning|Topic={HOSTILE_TOPIC}": 1 if n >= 4 else 0, "TopicWarning|Topic=#refund": 0,
        f"TopicSkew|Topic={HOSTILE_TOPIC}": 0.9, f"TopicAuthors|Topic={HOSTILE_TOPIC}": 2,
    }
    figures["MatchRate"] = (figures["MatchedPosts|Platform=facebook"] + figures["MatchedPosts|Platform=instagram"]) / (
        sum(v for k, v in figures.items() if k.startswith("Posts|")))
    return figures


DAYS = {f"2026-11-{16 + n:02d}": day_figures(n) for n in range(1, 6)}
HOURLY = {"2026-11-21T10:00:00Z": {"Posts|Platform=facebook|Kind=comment": 7.0},
          "2026-11-21T11:00:00Z": {"Posts|Platform=facebook|Kind=comment": 3.0}}


def summed(prefix: str) -> float:
    return sum(value for figures in DAYS.values() for name, value in figures.items() if name.startswith(prefix))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Rendered once for the tests that only read the page and the picture."""
    tmp_path = tmp_path_factory.mktemp("report")
    source = tmp_path / "rollups.json"
    source.write_text(json.dumps({"daily": DAYS, "hourly": HOURLY}), encoding="utf-8")
    assert report.main(["--from-file", str(source), "--out", str(tmp_path / "out")]) == 0
    return tmp_path / "out"


def test_the_png_is_a_real_png_of_the_figure_size(rendered):
    data = (rendered / "summary.png").read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 20_000  # four drawn panels, not an empty canvas
    length, chunk = struct.unpack(">I4s", data[8:16])
    width, height = struct.unpack(">II", data[16:24])
    assert (length, chunk) == (13, b"IHDR")
    assert (width, height) == (report.FIGSIZE[0] * report.DPI, report.FIGSIZE[1] * report.DPI)


def test_the_html_gives_the_computed_totals_and_rates(rendered):
    page = (rendered / "summary.html").read_text(encoding="utf-8")
    posts = summed("Posts|")
    matched, unmatched = summed("MatchedPosts|"), summed("UnmatchedPosts|")
    assert f"<td>Posts</td><td>{posts:,.0f}</td>" in page
    assert "<td>Actionable</td><td>no data</td>" in page  # absent from every day, so not zero
    assert f"<strong>{matched / (matched + unmatched):.1%}</strong>" in page
    last = DAYS[max(DAYS)]
    assert f"median <strong>{last['ResponseMedianMinutes']:,.1f} min</strong>" in page
    assert f"p90 <strong>{last['ResponseP90Minutes']:,.1f} min</strong>" in page
    assert f"<td>company</td><td>{summed('Replies|By=company'):,.0f}</td>" in page
    assert f"<td>unofficial brand</td><td>{summed('Replies|By=unofficial_brand'):,.0f}</td>" in page
    calls = sum(f["Calls"] for f in DAYS.values())
    weighted = sum(f["CallsPosted24hShare"] * f["Calls"] for f in DAYS.values()) / calls
    assert f"{weighted:.1%}" in page and f"Calls: {calls:,.0f}." in page
    assert "2026-11-17</strong> to <strong>2026-11-21" in page
    assert "Busiest hour: 2026-11-21T10:00:00Z (7 posts)" in page
    assert '<img src="summary.png"' in page


def test_segments_are_split_into_over_and_under_represented(rendered):
    page = html.unescape((rendered / "summary.html").read_text(encoding="utf-8"))
    over = re.search(r"over-represented \(index ≥ 1.25\): (.*?); under", page).group(1)
    under = re.search(r"under-represented \(index ≤ 0.8\): (.*?)\.</p>", page).group(1)
    assert HOSTILE_SEGMENT in over and "silver" not in over
    assert "(no segment) (0.50)" in under and "silver" not in under


def test_hostile_names_are_escaped_and_warned_topics_listed(rendered):
    page = (rendered / "summary.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<img src=x>" not in page
    warned_posts = sum(f[f"TopicPosts|Topic={HOSTILE_TOPIC}"] for f in DAYS.values())
    assert f"<td>{html.escape(HOSTILE_TOPIC)}</td><td>{warned_posts:,.0f}</td><td>2</td>" in page
    assert "#refund" not in page  # never warned


def test_a_day_with_only_hourly_rollups_is_counted_from_its_hours():
    rollups = report.Rollups(daily={"2026-11-20": {"Posts|Platform=x|Kind=post": 1.0}}, hourly={
        "2026-11-21T09:00:00Z": {"Posts|Platform=x|Kind=post": 2.0, "MatchRate": 0.9},
        "2026-11-21T10:00:00Z": {"Posts|Platform=x|Kind=post": 3.0},
        "2026-11-20T10:00:00Z": {"Posts|Platform=x|Kind=post": 50.0}})
    days, from_hours = report.by_day(rollups)
    assert days == {"2026-11-20": {"Posts|Platform=x|Kind=post": 1.0},
                    "2026-11-21": {"Posts|Platform=x|Kind=post": 5.0}}
    assert from_hours == ["2026-11-21"]


def test_missing_figures_render_as_no_data(tmp_path):
    summary = report.render(report.Rollups(daily={"2026-11-20": {"InboundPosts": 3.0}}), tmp_path)
    page = (tmp_path / "summary.html").read_text(encoding="utf-8")
    assert summary.match_rate is None and "No representation figures" in page
    assert "<td>Posts</td><td>no data</td>" in page and "<td>Inbound (needing an answer)</td><td>3</td>" in page
    assert (tmp_path / "summary.png").read_bytes()[:8] == PNG_MAGIC


def test_a_missing_file_says_to_run_make_demo(tmp_path, capsys):
    assert report.main(["--from-file", str(tmp_path / "absent.json"), "--out", str(tmp_path)]) == 2
    assert "make demo" in capsys.readouterr().err
    assert not (tmp_path / "summary.html").exists()


@pytest.mark.parametrize("content", ['{"daily": {"yesterday": {}}}', '{"hourly": {"2026-11-20": {}}}', "[1]",
                                     '{"daily": {"2026-11-20": [1]}}', "not json", '{"daily": {}}'])
def test_a_malformed_file_is_refused_with_a_message(tmp_path, capsys, content):
    source = tmp_path / "rollups.json"
    source.write_text(content, encoding="utf-8")
    assert report.main(["--from-file", str(source), "--out", str(tmp_path)]) == 1
    assert "cannot make the report" in capsys.readouterr().err


def test_table_keys_cover_each_day_and_hour_up_to_until():
    keys = report.rollup_keys(2, date(2026, 11, 21))
    assert len(keys) == 2 * 25 and len(set(keys)) == 50
    assert keys[0] == ("ROLLUP#2026-11-20", "DAILY") and keys[-1] == ("ROLLUP#2026-11-21T23:00:00Z", "HOURLY")


def worth(answered: int, answered_called: int, unanswered: int, unanswered_called: int, open_windows: int) -> dict:
    return {"AnsweredCustomers": answered, "AnsweredCustomersCalled": answered_called,
            "UnansweredCustomers": unanswered, "UnansweredCustomersCalled": unanswered_called,
            "AnswerWorthOpenWindows": open_windows}


def test_what_answering_is_worth_prints_the_counts_behind_each_share_and_flags_small_samples(tmp_path, capsys):
    days = {"2026-11-20": worth(40, 4, 50, 10, 0), "2026-11-21": worth(2, 1, 3, 0, 0),
            "2026-11-22": worth(1, 1, 0, 0, 1)}
    rows, period = report.answer_worth(days)
    assert [(row["answered_share"], row["unanswered_share"], row["small"]) for row in rows] == [
        (0.1, 0.2, False), (0.5, 0.0, True), (1.0, None, True)]
    # pooled over the two final days only (the 22nd's windows are still open)
    assert (period["days"], period["answered"], period["answered_called"], period["unanswered"],
            period["unanswered_called"]) == (2, 42, 5, 53, 10)
    assert period["saved"] == pytest.approx(42 * 10 / 53 - 5)

    source = tmp_path / "rollups.json"
    source.write_text(json.dumps({"daily": days, "hourly": {}}), encoding="utf-8")
    assert report.main(["--from-file", str(source), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert ("what answering is worth, posted 2026-11-20 (final): answered: 40 customers, 4 called within 24 h "
            "(10.0%); unanswered: 50, 10 called (20.0%)\n") in printed
    assert "posted 2026-11-21 (final): answered: 2 customers, 1 called within 24 h (50.0%); unanswered: 3, 0 called " \
           "(0.0%); small sample\n" in printed
    assert "posted 2026-11-22 (not final, 1 still within their 24 h)" in printed
    page = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "<h2>What answering is worth</h2>" in page and "Over 2 complete days (2026-11-20 to 2026-11-21)" in page
    assert ("<td>2026-11-22</td><td>1</td><td>1</td><td>100.0%</td><td>0</td><td>0</td><td>no data</td><td>1</td>"
            in page)
