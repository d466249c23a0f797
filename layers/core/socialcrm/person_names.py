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


def is_pseudonym(display_name: str | None) -> bool:
    """A name is shown, and it is not a person's ("Runner 42", "Bella's Mum", "🌻", "M."): it speaks neither for nor
    against anyone. No name shown at all (a platform that gives none) is not a pseudonym."""
    shown = re.sub(r"\(.*?\)|\|.*$", " ", display_name or "").strip()
    tokens = name_tokens(shown)
    initials_only = all(len(token) <= 2 for token in tokens)  # "M.", "JP": nobody's name in particular
    return bool((display_name or "").strip()) and (initials_only or not _a_persons_name(shown))


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


# Cyrillic to Latin, as names are usually romanised (one common scheme; spellings then compare fuzzily).
_CYRILLIC = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g"})
# Spellings of one sound that vary between romanisations and languages (Müller / Mueller, Sergei / Sergey,
# Aleksandr / Alexander, Iouri / Yuri): folded the same way on both sides before comparing.
_SPELLINGS = (("shch", "sh"), ("iu", "yu"), ("ia", "ya"), ("io", "yo"), ("sch", "sh"), ("tch", "ch"), ("ks", "x"),
              ("ou", "u"), ("ue", "u"), ("oe", "o"),
              ("ae", "a"), ("kh", "h"), ("ph", "f"), ("ck", "k"), ("j", "y"), ("w", "v"), ("ff", "v"), ("ei", "ey"),
              ("ii", "i"), ("iy", "i"))
# More short forms people go by (English, French, Spanish, Polish, Russian, German): short -> full.
MORE_NICKNAMES = {
    "bert": "robert", "beth": "elizabeth", "betsy": "elizabeth", "lizzie": "elizabeth", "rick": "richard",
    "rich": "richard", "dick": "richard", "kat": "katherine", "pat": "patricia", "patty": "patricia",
    "trish": "patricia", "charlie": "charles", "chuck": "charles", "kit": "christopher", "lexi": "alexandra",
    "sandra": "alexandra", "becky": "rebecca", "becca": "rebecca", "suzy": "susan", "mick": "michael",
    "liv": "olivia", "em": "emily", "harry": "henry", "hank": "henry", "jamie": "james", "lola": "dolores",
    "pepe": "jose", "paco": "francisco", "curro": "francisco", "nacho": "ignacio", "chuy": "jesus",
    "concha": "concepcion", "wojtek": "wojciech", "gosia": "malgorzata", "kasia": "katarzyna", "krzys": "krzysztof",
    "aga": "agnieszka", "zosia": "zofia", "sasha": "aleksandr", "seryozha": "sergey", "tanya": "tatyana",
    "dima": "dmitry", "natasha": "natalya", "olya": "olga", "misha": "mikhail", "lena": "yelena",
    "andryusha": "andrey", "uschi": "ursula", "matze": "matthias", "fred": "frederic", "liam": "william",
    "lizzy": "elizabeth", "peggy": "margaret", "meg": "margaret", "maggie": "margaret"}
_INITIAL = re.compile(r"^[a-z]$")
_INITIAL_FOLDS = {"j": "y", "w": "v"}
# Words of display names that are roles or things, not names ("Proud Mum", "Team Leader", "Home Sweet Home").
NOT_NAME_WORDS = frozenset({
    "mum", "mom", "mummy", "mommy", "dad", "daddy", "papa", "mama", "grandma", "grandpa", "nan", "nana", "granny",
    "family", "team", "leader", "official", "shop", "store", "home", "sweet", "love", "lover", "proud", "fan",
    "life", "boss", "mrs", "mr", "ms", "dr", "coffee", "books", "pizza", "gamer", "music",
    "travel", "sunshine", "happy", "tech", "the", "of", "and", "my", "me", "guy", "girl", "boy", "lady", "ltd",
    "limited", "inc", "llc", "plc", "gmbh", "sarl", "company", "customer", "client", "unknown", "test"})
_HAS_DIGIT_OR_SYMBOL = re.compile(r"[\d_@#&~|]")


def _folded(token: str) -> str:
    for written, said in _SPELLINGS:
        token = token.replace(written, said)
    return token.rstrip("y") or token  # Sergey / Sergei / Yury: a final y/i (after folding ei -> ey) is one sound


@lru_cache(maxsize=8192)
def _written_tokens(name: str) -> tuple[str, ...]:
    """A name's words as written: transliterated, lower case, without diacritics."""
    latin = name.casefold().translate(_CYRILLIC).translate(_FOLD)
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", latin) if not unicodedata.combining(ch))
    return tuple(_NON_LETTERS.sub(" ", plain.replace("-", " ")).split())


@lru_cache(maxsize=8192)
def name_tokens(name: str) -> tuple[str, ...]:
    """A name's words: transliterated, without diacritics, nicknames mapped to the full form, spelling folded."""
    full = (MORE_NICKNAMES.get(token, NICKNAMES.get(token, token)) for token in _written_tokens(name))
    return tuple(_folded(token) if len(token) > 1 else token for token in full)


def _same(one: str, other: str) -> bool:
    if one == other:
        return True
    if min(len(one), len(other)) < 4 or _other_gender(one, other):
        return False
    return fuzz.ratio(one, other) >= (75 if min(len(one), len(other)) >= 6 else 80)


# How a name's feminine form ends where its masculine form ends (after spelling is folded): Ivan / Ivana,
# Mario / Maria, Kowalski / Kowalska, Alexander / Alexandra, Pavel / Pavla, Christian / Christina.
_FEMININE_ENDINGS = {("", "a"), ("o", "a"), ("i", "a"), ("er", "ra"), ("el", "la"), ("yan", "ina")}


def _other_gender(one: str, other: str) -> bool:
    """The same name for the other sex: past a stem of three letters or more, one ends as the other's feminine form.
    Variants of one name are not (Sara / Sarah, Maria / Marie, Natalia / Natalie)."""
    shorter = min(len(one), len(other))
    stem = next((i for i in range(shorter) if one[i] != other[i]), shorter)
    endings = (one[stem:], other[stem:])
    return stem >= 3 and (endings in _FEMININE_ENDINGS or endings[::-1] in _FEMININE_ENDINGS)


def _is_name_like(display_name: str) -> bool:
    """Words that may be a person's names: letters only (any script), each capitalised or all in capitals."""
    if _HAS_DIGIT_OR_SYMBOL.search(display_name):
        return False
    words = [w for w in re.split(r"[\s,]+", display_name.strip()) if w]
    return 1 <= len(words) <= 5 and all(w[0].isupper() for w in words if w[0].isalpha()) \
        and any(ch.isalpha() for ch in display_name)


def _a_persons_name(text: str) -> bool:
    return not (_HAS_DIGIT_OR_SYMBOL.search(text) or re.search(r"\w['’]s\b", text)
                or not _is_name_like(re.sub(r"[^\w\s.,'’-]", " ", text, flags=re.UNICODE).strip() or "x")
                or any(word in NOT_NAME_WORDS for word in re.findall(r"\w+", text.casefold())))


def _spell_out_initials(display_name: str) -> str:
    """"JP Dubois" -> "J P Dubois": two or three capitals beside other names are initials (Jean-Pierre)."""
    words = display_name.split()
    if len(words) < 2 or all(word.isupper() for word in words):  # "ADA LOVELACE": a name in capitals
        return display_name
    return " ".join(" ".join(word) if 2 <= len(word) <= 3 and word.isalpha() and word.isupper() else word
                    for word in words)


def name_verdict(display_name: str | None, record_name: str | None) -> str:
    """How a display name bears on the record's name: "agrees", "similar", "differs" or "unknown".

    Compared as people write names: diacritics, scripts (Cyrillic), spellings (Müller / Mueller), nicknames,
    order, initials ("J. Smith") and a given name alone ("Jim"). "agrees" needs two names or a name and an
    initial that fit; "differs" needs a name-like display whose names do not fit the record's (another given
    name in the same family, or nothing in common). Pseudonyms and decorations ("mum of three", "🌻") are
    "unknown": no evidence either way."""
    if not display_name or not record_name:
        return "unknown"
    recorded = list(name_tokens(record_name))
    written = dict(zip(recorded, _written_tokens(record_name), strict=False))  # "yelena" -> "lena", for initials
    decorated = _spell_out_initials(re.sub(r"\(.*?\)|\|.*$", " ", display_name))
    shown = [t for t in name_tokens(decorated) if t]
    if not recorded or not shown:
        return "unknown"
    if not _a_persons_name(decorated) or not _a_persons_name(record_name):  # a pseudonym; a company on record
        return "unknown"
    if len(shown) == 1 and len(shown[0]) <= 2:  # "AL", "JP": initials, not a name
        return "unknown"
    if all(_INITIAL.match(t) for t in shown):
        fit = all(any(r.startswith(_INITIAL_FOLDS.get(t, t)) or written.get(r, "").startswith(t) for r in recorded)
                  for t in shown)
        return "similar" if fit and len(shown) > 1 else "unknown"
    free = list(recorded)
    matched = initials = unmatched = 0
    for token in (t for t in shown if not _INITIAL.match(t)):
        hit = next((r for r in free if _same(token, r)), None)
        if hit is None:
            unmatched += 1
        else:
            free.remove(hit)
            matched += 1
    for token in (t for t in shown if _INITIAL.match(t)):
        hit = next((r for r in free if r.startswith(_INITIAL_FOLDS.get(token, token))
                    or written.get(r, "").startswith(token)), None)
        if hit is None:
            unmatched += 1
        else:
            free.remove(hit)
            initials += 1
    if matched >= 2 and unmatched == 0:
        return "agrees"
    if matched == 1 and initials >= 1 and unmatched == 0:
        return "agrees"
    if matched >= 1 and unmatched == 0:
        return "similar"  # one name alone ("Jim", "Smith")
    if matched == 0 and initials == 0:
        return "differs"
    # Some names fit, others do not: a relative ("Marie Dupont" for "Jean Dupont") unless the record has the
    # shown given name among its names; a middle name the record does not hold ("Ada King Lovelace") agrees.
    given_fits = any(_same(shown[0], r) for r in recorded[:1]) or any(_same(shown[-1], r) for r in recorded[:1])
    return "agrees" if given_fits and matched >= 2 and unmatched <= 1 else "differs"
