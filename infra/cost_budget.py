"""What a post may cost: the budgets tests/integration/test_cost_budget_on_moto.py holds `make cost`'s probe to.

A change that adds a DynamoDB request or write units per post, or a custom metric, fails that test until it
pays for itself elsewhere or the budget here is raised on purpose (with the reason in the commit).
The DynamoDB figures are a ratchet at what the write path measures today (9.8 requests, 21.4 WRU per post
on the test's mix), rounded up a little; issue 16's floor is 4 requests and 6.5 WRU.
"""

from __future__ import annotations

DYNAMODB_REQUESTS_PER_POST = 10.0
WRU_PER_POST = 22.0
CUSTOM_METRICS_PER_MONTH = 100
