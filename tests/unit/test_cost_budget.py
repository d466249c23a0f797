"""The custom metrics a steady month publishes stay within infra/cost_budget.py, and every metric a function
writes is one the catalogue counts (so the count cannot miss one)."""

from __future__ import annotations

import re
from pathlib import Path

from infra import cost_budget
from infra.cost_mix import steady_month
from socialcrm import metric_catalogue as catalogue

ROOT = Path(__file__).resolve().parents[2]
_EMITS = re.compile(r"(?:add_metric|single_metric)\(\s*name=\"(\w+)\"")
_ANY_EMIT = re.compile(r"(?:add_metric|single_metric)\(")


def test_a_steady_month_with_everything_on_publishes_at_most_the_budgeted_custom_metrics():
    month = catalogue.monthly_metrics(steady_month())
    assert len(month) == len(set(month))
    assert len(month) <= cost_budget.CUSTOM_METRICS_PER_MONTH, sorted(month)


def test_the_month_counts_every_platform_and_no_bucket_kind_or_outcome():
    month = set(catalogue.monthly_metrics(steady_month()))
    assert {f"Posts|Platform={name}" for name in ("facebook", "tiktok", "reddit", "discourse", "trustpilot")} <= month
    assert not [name for name in month if "Bucket=" in name or "Kind=" in name or "outcome" in name]
    assert {"Lookups", "LookupErrors", "SignatureFailures", "CallerPosted24h"} <= month


def test_every_metric_a_function_writes_is_declared_in_the_catalogue():
    sources = [*ROOT.glob("functions/*/app.py"), *ROOT.glob("layers/core/socialcrm/**/*.py")]
    written = {name for path in sources for name in _EMITS.findall(path.read_text(encoding="utf-8"))}
    assert written == catalogue.EMITTED_NAMES
    # the one emit without a literal name is the lookup's loop over the catalogue's call signals
    loops = [path.name for path in sources for line in path.read_text(encoding="utf-8").splitlines()
             if _ANY_EMIT.search(line) and not _EMITS.search(line)]
    assert loops == ["app.py"]


def test_a_family_is_published_exactly_when_the_dashboard_shows_it_or_the_lookup_writes_it():
    for metric in catalogue.CATALOGUE:
        assert metric.published == (metric.shown is not None or metric.kind is catalogue.Kind.CALL), metric.name
        assert set(metric.published_dimensions) <= set(metric.dimensions), metric.name
