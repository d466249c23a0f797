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


def test_the_matcher_on_a_small_held_out_half():
    """Floors just below the measured figures (seed 3: precision 99.85 %, 2 wrong of 1,292 links; recall 97.0 %;
    review 2.9 %). `make eval-matching` measures the full population (docs/matching.md)."""
    from infra.eval_matching import run_matcher, score

    population = build(customers=1_000, posts=5_000, seed=3)
    outcomes, _, reviews = run_matcher(population)
    held_out = [n for n, p in enumerate(population.posts) if p.half == "held_out"]
    figures = score(outcomes, population.posts, held_out)
    assert figures["precision"] >= 0.998 and figures["recall"] >= 0.95 and figures["review_share"] <= 0.05
    assert set(figures["wrong_by_situation"]) <= {"relative on the customer's phone", "recycled number (stranger)",
                                                  "released handle (stranger)"}
    held = [c for item in reviews.held.values() for c in item["candidates"]]
    assert held and all("agrees" in c and "contradicts" in c for c in held)
    assert all(c["contradicts"] for c in held if not c["agrees"])  # a candidate with nothing for it says why
