"""What a post may cost: the budgets tests/integration/test_cost_budget_on_moto.py holds `make cost`'s probe to.

A change that adds a DynamoDB request or write units per post, or a custom metric, fails those tests
(tests/unit/test_cost_budget.py for the metrics) until it pays for itself elsewhere or the budget here is raised
on purpose (with the reason in the commit).
The DynamoDB figures are issue 16's floor, 4 requests per post, and a ratchet on write units at what the write
path measures on the test's mix (100 posts, 20 customers), rounded up a little: 3.68 requests per post (the
processor 3.53, a queue batch at a time; the push function 0.15, a push batch reading its erasure markers and
delivery records once and recording its deliveries with one write) and 3.64 WRU. `make cost`'s 1,000 posts: see
docs/cost.md. Before the batch write path: 9.8 requests and 21.4 WRU; on it, before issue 16's last step: 4.49
requests and 3.77 WRU.
"""

from __future__ import annotations

DYNAMODB_REQUESTS_PER_POST = 4.0
# The processor alone, on tests/integration/test_write_path_on_moto.py's batch of ten (2.7 today).
PROCESSOR_REQUESTS_PER_POST = 3.0
WRU_PER_POST = 3.8  # issue 16 allows 6.5
# Distinct custom metrics (name x dimension values) a steady month publishes with every platform, generic
# mapping and connector on (metric_catalogue.monthly_metrics over cost_mix.steady_month()).
CUSTOM_METRICS_PER_MONTH = 40
