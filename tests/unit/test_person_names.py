"""How a shown name bears on the record's name: evidence for, against, or none."""

from __future__ import annotations

import pytest

from socialcrm.person_names import is_pseudonym, name_verdict


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
def test_name_verdict(shown: str, recorded: str, verdict: str) -> None:
    assert name_verdict(shown, recorded) == verdict


@pytest.mark.parametrize(("shown", "pseudonym"), [
    ("Runner 42", True), ("Bella's Mum", True), ("🌻", True), ("M.", True), ("JP", True), ("~ wanderlust ~", True),
    ("Ada Lovelace", False), ("Ada", False), ("A. Lovelace", False), ("Ada Lovelace 🌸", False), (None, False),
    ("", False), ("   ", False),
])
def test_a_pseudonym_is_a_shown_name_that_is_nobodys(shown: str | None, pseudonym: bool) -> None:
    assert is_pseudonym(shown) is pseudonym
