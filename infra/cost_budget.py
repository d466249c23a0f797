"""What a post may cost: the budgets tests/integration/test_cost_budget_on_moto.py holds `make cost`'s probe to.

A change that adds a DynamoDB request or write units per post, or a custom metric, fails those tests
(tests/unit/test_cost_budget.py for the metrics) until it pays for itself elsewhere or the budget here is raised
on purpose (with the reason in the commit).
The DynamoDB figures are a ratchet at what the write path measures today on the test's mix (100 posts, 20
customers): 4.49 requests per post (the processor 3.86, a queue batch at a time; the push function's delivery
records 0.63) and 3.76 WRU, rounded up a little; with what answering is worth's ASKED notes (0.23 UpdateItem per
post) 4.49 requests and 3.77 WRU. Issue 16's floor is 4 requests and 6.5 WRU; before the batch
write path: 9.8 requests and 21.4 WRU.
"""

from __future__ import annotations

DYNAMODB_REQUESTS_PER_POST = 4.5
# The processor alone, on tests/integration/test_write_path_on_moto.py's batch of ten (3.2 today): issue 16's floor.
PROCESSOR_REQUESTS_PER_POST = 4.0
WRU_PER_POST = 4.0
# Distinct custom metrics (name x dimension values) a steady month publishes with every platform, generic
# mapping and connector on (metric_catalogue.monthly_metrics over cost_mix.steady_month()).
CUSTOM_METRICS_PER_MONTH = 40
