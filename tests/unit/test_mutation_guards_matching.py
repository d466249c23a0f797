"""Matching a post to a customer (socialcrm.matching): what `make mutation` showed no test noticing."""

from __future__ import annotations

import pytest

from socialcrm.matching import ASSERTED, learned_from, recorded_account, resolve
from socialcrm.model import Author
from tests.unit.test_matching_situations import ADA, directory_of, instagram


def test_a_released_handle_names_the_account_that_held_it_on_the_record_and_no_other():
    social = [{"platform": "facebook", "user_id": "fb-1", "handle": "ada.l"},  # the same handle elsewhere
              {"platform": "instagram", "user_id": "ig-shop", "handle": "ada.l.shop"},  # another handle there
              {"platform": "instagram", "user_id": "ig-1", "handle": "@Ada.L"}]
    directory = directory_of({**ADA, "social": social})

    match = resolve(instagram("ig-999", "ada.l", "🌸 blossom 🌸"), directory, "GB")

    assert not match.linked
    assert match.released == (("c-ada", "id:instagram:ig-1"),)


def test_an_author_whose_handle_the_record_does_not_hold_has_no_recorded_account():
    [record] = directory_of({**ADA, "social": [{"platform": "instagram", "user_id": "ig-1", "handle": "ada.l"}]}
                            ).get_many(["c-ada"]).values()
    assert recorded_account(Author("instagram", "ig-2", "grace.h", "Grace"), record) is None
    assert recorded_account(Author("facebook", "fb-2", "ada.l", "Ada"), record) is None
    assert recorded_account(Author("instagram", "ig-2", "ada.l", "Ada"), record) == "id:instagram:ig-1"


@pytest.mark.parametrize("kind", ASSERTED)
def test_only_a_learned_links_source_names_the_kind_it_was_learned_from(kind):
    assert learned_from(f"holder:{kind}") is None  # a handle's holder note, seven letters before the kind
    assert learned_from(kind) is None
