"""Match review requests (socialcrm.review): what `make mutation` showed no test noticing."""

from __future__ import annotations

import pytest

from socialcrm.errors import InvalidRecord
from socialcrm.review import handle


def test_an_unknown_review_action_tells_the_caller_the_field_and_every_action_there_is(world):
    _, sync = world
    with pytest.raises(InvalidRecord) as refused:
        handle({"action": "merge"}, sync.linking)
    assert str(refused.value) == "action: must be one of pending, confirm, reject, unlink, issue_code"
    assert (refused.value.field, refused.value.problem) == (
        "action", "must be one of pending, confirm, reject, unlink, issue_code")
