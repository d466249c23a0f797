"""Person names compared the way people write them: diacritics, case, order and nicknames do not matter."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

# Letters that Unicode does not decompose into a base letter and a mark.
_FOLD = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "\u0131": "i"})
_NON_LETTERS = re.compile(r"[^a-z ]+")

# Common English short forms, mapped to one full form (both sides of a comparison are mapped).
NICKNAMES = {
    "abby": "abigail", "alex": "alexander", "andy": "andrew", "ben": "benjamin", "beth": "elizabeth",
    "betty": "elizabeth", "bill": "william", "billy": "william", "bob": "robert", "bobby": "robert",
    "cathy": "catherine", "chris": "christopher", "dan": "daniel", "danny": "daniel", "dave": "david",
    "ed": "edward", "eddie": "edward", "greg": "gregory", "jack": "john", "jen": "jennifer", "jenny": "jennifer",
    "jim": "james", "jimmy": "james", "joe": "joseph", "johnny": "john", "jon": "john", "josh": "joshua",
    "kate": "katherine", "katie": "katherine", "kathy": "katherine", "liz": "elizabeth", "maggie": "margaret",
    "matt": "matthew", "meg": "margaret", "mike": "michael", "nate": "nathan", "nick": "nicholas",
    "peggy": "margaret", "pete": "peter", "rob": "robert", "robbie": "robert", "sam": "samuel",
    "steve": "stephen", "sue": "susan", "ted": "edward", "tim": "timothy", "tom": "thomas", "tommy": "thomas",
    "tony": "anthony", "vicky": "victoria", "will": "william",
}


@lru_cache(maxsize=4096)
def normalize_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold().translate(_FOLD))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    tokens = _NON_LETTERS.sub(" ", plain).split()
    return " ".join(NICKNAMES.get(token, token) for token in tokens)


_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'\u2019.-]*$")


def looks_like_person_name(display_name: str | None) -> bool:
    """Two to four capitalised words of letters ("Ada Lovelace", "Ó Briain"), not "proud mum" or "gamer4life"."""
    words = (display_name or "").split()
    return 2 <= len(words) <= 4 and all(_NAME_WORD.match(word) and word[0].isupper() for word in words)


def name_similarity(display_name: str | None, record_name: str | None) -> float:
    """0-100: how surely a display name names the person on the record (order-insensitive)."""
    if not display_name or not record_name:
        return 0.0
    shown, recorded = normalize_name(display_name), normalize_name(record_name)
    if not shown or not recorded:
        return 0.0
    score = fuzz.token_sort_ratio(shown, recorded)
    # "Ada King Lovelace" vs "Ada Lovelace": every token of the shorter name in the longer, at least two.
    fewer, more = sorted((set(shown.split()), set(recorded.split())), key=len)
    if len(fewer) >= 2 and fewer <= more:
        score = max(score, 95.0)
    return float(score)
