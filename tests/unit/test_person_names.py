"""How a display name bears on the name on the customer record (socialcrm.person_names), one situation a line."""

from __future__ import annotations

import pytest

from socialcrm.person_names import is_pseudonym, name_similarity, name_verdict


@pytest.mark.parametrize(("shown", "recorded"), [
    ("Ada Lovelace", "Ada Lovelace"),
    ("Lovelace Ada", "Ada Lovelace"),  # order
    ("ADA LOVELACE", "Ada Lovelace"),  # all in capitals
    ("Zoë Müller", "Zoe Mueller"),  # diacritics and spellings
    ("Сергей Иванов", "Sergei Ivanov"),  # Cyrillic
    ("Yuri Gagarin", "Iouri Gagarine"),  # romanisations
    ("Natalya Sokolova", "Natalia Sokolova"),  # ends in "a" both ways: not another sex
    ("Bob Smith", "Robert Smith"),  # a nickname
    ("Jonathon Smith", "Jonathan Smith"), ("Jon Smyth", "John Smith"),  # a misspelling
    ("J. Smith", "John Smith"), ("A. Lovelace", "Ada Lovelace"), ("Ada L.", "Ada Lovelace"),  # an initial
    ("W Smith", "Vladimir Smith"),  # an initial, as the name is written in another language
    ("Ada King Lovelace", "Ada Lovelace"),  # a middle name the record does not hold
    ("Jean-Paul Sartre", "Jean Paul Sartre"), ("Ada, Lovelace", "Ada Lovelace"),
    ("Ada Lovelace (she/her)", "Ada Lovelace"), ("Ada Lovelace | Writer", "Ada Lovelace"),  # decorations
])
def test_a_display_name_that_names_the_person_on_the_record_agrees(shown, recorded):
    assert name_verdict(shown, recorded) == "agrees"


@pytest.mark.parametrize(("shown", "recorded"), [
    ("Jim", "James Smith"), ("Smith", "John Smith"), ("Lovelace", "Ada Lovelace"),  # one name alone
    ("J S", "John Smith"), ("J. S.", "John Smith"), ("A L", "Ada Lovelace"),  # initials only, all fitting
])
def test_one_name_alone_or_initials_that_fit_are_only_similar(shown, recorded):
    assert name_verdict(shown, recorded) == "similar"


@pytest.mark.parametrize(("shown", "recorded"), [
    ("Grace Hopper", "Ada Lovelace"),  # nothing in common
    ("Marie Dupont", "Jean Dupont"),  # a relative: the family name fits, the given name does not
    ("K Smith", "John Smith"),  # an initial that fits nothing
    ("Al Smith", "Ali Smith"),  # short names must be written the same
    ("Ada Grace Hopper", "Ada Lovelace"), ("Grace Ada Lovelace", "Ada Lovelace"),
    ("Ada Lovelace Byron King Noel", "Ada Lovelace"),  # too many names the record does not hold
    # the same names for the other sex: a sister, a wife, a daughter
    ("Ivana Ivanova", "Ivan Ivanov"), ("Maria Rossi", "Mario Rossi"), ("Alexandra Smith", "Alexander Smith"),
    ("Jan Kowalski", "Jana Kowalska"), ("Daniela Weber", "Daniel Weber"), ("Carla Bruni", "Carlo Bruni"),
])
def test_a_name_like_display_name_that_does_not_fit_the_record_differs(shown, recorded):
    assert name_verdict(shown, recorded) == "differs"


@pytest.mark.parametrize(("shown", "recorded"), [
    (None, "Ada Lovelace"), ("Ada Lovelace", None), ("", "Ada Lovelace"), ("Ada Lovelace", ""),
    ("J", "John Smith"),  # one initial
    ("AL", "Ada Lovelace"), ("JP", "Jean Paul"),  # letters that are initials, not a name
    ("proud mum", "Ada Lovelace"), ("Dr Ada Lovelace", "Ada Lovelace"), ("The Lovelaces", "Ada Lovelace"),
    ("gamer4life", "Ada Lovelace"), ("ada_l", "Ada Lovelace"), ("🌻", "Ada Lovelace"), ("1 2", "Ada"),
    ("Ada's Shop", "Ada Lovelace"), ("ada lovelace", "Ada Lovelace"),  # not written as a person's name
    ("A B C D E F", "Ada"),  # more words than a name has
    ("Ada Lovelace", "Acme Ltd"),  # a company on the record
])
def test_pseudonyms_decorations_and_companies_are_no_evidence_either_way(shown, recorded):
    assert name_verdict(shown, recorded) == "unknown"


def test_similarity_is_100_for_the_same_name_however_written_and_0_without_a_name():
    assert name_similarity("Zoë Müller", "Zoe Muller") == 100.0
    assert name_similarity("Bob Smith", "Robert Smith") == 100.0
    for shown, recorded in ((None, "Ada"), ("Ada", None), ("", "Ada"), ("🌻", "Ada"), ("Ada", "42")):
        assert name_similarity(shown, recorded) == 0.0


def test_every_name_of_the_shorter_in_the_longer_is_at_least_95_but_one_shared_name_is_not():
    assert name_similarity("Ada King Lovelace", "Ada Lovelace") == 95.0
    assert name_similarity("Ada Lovelace", "Ada King Lovelace") == 95.0
    assert name_similarity("Ada", "Ada Lovelace") < 50
    assert name_similarity("London", "london") == 100.0


@pytest.mark.parametrize(("shown", "recorded", "verdict"), [
    ("Ada Lovelace", "Ada Lovelace", "agrees"),
    ("ADA LOVELACE", "Ada Lovelace", "agrees"),
    ("Lovelace Ada", "Ada Lovelace", "agrees"),
    ("J. Müller", "Jürgen Mueller", "agrees"),
    ("L. Hoffmann", "Lena Hoffmann", "agrees"),  # an initial of a given name that is also a short form
    ("JP Dubois", "Jean-Pierre Dubois", "agrees"),  # the initials of a double given name
    ("Marie Dubois", "Jean-Pierre Dubois", "differs"),
    ("JP Dubois", "Marie Dubois", "differs"),
    ("Byron Lovelace", "Ada Lovelace", "differs"),  # a relative
    ("Priya Patel", "Ada Lovelace", "differs"),
    ("Ada", "Ada Lovelace", "similar"),
    ("Runner 42", "Ada Lovelace", "unknown"),
    ("Bella's Mum", "Ada Lovelace", "unknown"),
    ("🌻", "Ada Lovelace", "unknown"),
    ("AL", "Ada Lovelace", "unknown"),
])
def test_name_verdict_table(shown: str, recorded: str, verdict: str) -> None:
    assert name_verdict(shown, recorded) == verdict


@pytest.mark.parametrize(("shown", "pseudonym"), [
    ("Runner 42", True), ("Bella's Mum", True), ("🌻", True), ("M.", True), ("JP", True), ("~ wanderlust ~", True),
    ("Ada Lovelace", False), ("Ada", False), ("A. Lovelace", False), ("Ada Lovelace 🌸", False), (None, False),
    ("", False), ("   ", False),
])
def test_a_pseudonym_is_a_shown_name_that_is_nobodys(shown: str | None, pseudonym: bool) -> None:
    assert is_pseudonym(shown) is pseudonym
