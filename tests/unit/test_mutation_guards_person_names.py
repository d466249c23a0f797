"""Names and places compared as people write them (socialcrm.person_names): what `make mutation` showed no test
noticing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from socialcrm.matching import resolve
from socialcrm.person_names import name_similarity, name_verdict
from tests.unit.test_processing import a_post


def test_a_name_or_place_that_repeats_one_of_its_words_scores_as_naming_the_recorded_one():
    assert name_similarity("Newcastle, Newcastle upon Tyne", "Newcastle upon Tyne") == 95.0
    assert name_similarity("Ada Lovelace (Ada)", "Ada Lovelace") == 95.0


def test_a_profile_location_that_repeats_the_city_on_record_counts_for_the_customer(world):
    deps, _ = world
    deps.customers.records["c-1"] = replace(deps.customers.records["c-1"], city="Newcastle upon Tyne")
    post = a_post("p1", name="Ada Lovelace")
    post = replace(post, author=replace(post.author, location="Newcastle, Newcastle upon Tyne"))

    assert "location_match" in resolve(post, deps.customers, "GB").evidence


@pytest.mark.parametrize(("shown", "recorded", "verdict"), [
    ("Alan Smith", "Allan Smith", "agrees"),  # names of four letters or more may be misspelt
    ("Kristina Smith", "Krystyna Smith", "agrees"),  # long names: three letters in four alike are enough (75)
    ("Ana Lima", "Anna Lima", "differs"),  # a name under four letters is compared exactly
    ("J P", "Yelena Petrova", "similar"),  # initials as the name is written in another language (Jelena)
    ("J S", "J. Smith", "similar"),  # initials that fit a record written with initials
    ("Ivan Ivanov", "Sergei Ivanov", "differs"),  # one recorded name is matched once: a relative
    ("Ana Julia Lima", "Lima Ana", "agrees"),  # a record written family name first, a middle name it lacks
    ("Ada Lovelace", "Ada King", "differs"),  # the same given name, another family name
])
def test_name_verdicts_at_the_edges_of_each_rule(shown, recorded, verdict):
    assert name_verdict(shown, recorded) == verdict


@pytest.mark.parametrize(("shown", "recorded", "verdict"), [
    ("Saul Smith", "Paul Smith", "differs"),  # four letters, one apart (75): another name
    ("Anna Hoffman", "Anna Hofmann", "agrees"),  # six letters against seven, one sound apart (76.9): misspelt
    ("Karla Novak", "Karel Novak", "differs"), ("Pavla Novak", "Pavel Novak", "differs"),  # the other sex, 3 alike
    ("Ivan Ivanov", "Ivana Ivanova", "differs"),  # the record holds the form ending in "a"
    ("Christina Smith", "Christian Smith", "differs"), ("Michaela Smith", "Michael Smith", "differs"),
    ("Juliana Smith", "Julian Smith", "differs"), ("Zoe Mario", "Zoe Maria", "differs"),
    ("Sara Smith", "Sarah Smith", "agrees"), ("Hannah Smith", "Hanna Smith", "agrees"),  # variants of one name
    ("Ana Smith", "Anna Smith", "differs"),  # short names must be written the same, whatever their ending
    ("Anna Kowalska", "Anna Kowalski", "differs"),  # the price (docs/matching.md): a family name's other form
])
def test_name_verdicts_at_the_edges_of_misspelling_and_the_other_sex(shown, recorded, verdict):
    assert name_verdict(shown, recorded) == verdict


def test_a_display_name_of_more_than_five_capitalised_words_or_a_word_in_lower_case_is_no_persons_name():
    assert name_verdict("Ada Lovelace Loves Big Red Buses", "Ada Lovelace") == "unknown"
    assert name_verdict("Ada lovelace", "Ada Lovelace") == "unknown"
    assert name_verdict("Ada Lovelace Byron King Noel", "Ada Lovelace") == "differs"  # five: still a name
