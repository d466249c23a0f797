"""The independent labelled population of make eval-matching: every situation present, no leakage between halves."""

from collections import defaultdict

from infra.eval_population import build


def test_the_population_holds_every_named_situation_and_splits_by_household():
    population = build(customers=600, posts=3_000, seed=5)
    situations = {p.situation for p in population.posts}
    for situation in ("renamed account", "released handle (stranger)", "relative on the customer's phone",
                      "recycled number (stranger)", "household phone", "WhatsApp number not on record",
                      "email written in a DM"):
        assert situation in situations, situation
    halves = defaultdict(set)
    for labelled in population.posts:
        if labelled.truth:
            halves[labelled.truth].add(labelled.half)
    assert all(len(seen) == 1 for seen in halves.values())  # a customer's posts are all in one half
    assert {"tune", "held_out"} <= {p.half for p in population.posts}
    assert not any(p.matchable for p in population.posts if p.truth is None)
