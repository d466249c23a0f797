"""Splink (DuckDB backend) on the same records and posts, configured the way a competent user would.

Installed only by `make eval-matching` (requirements-eval.txt, in its own virtualenv .venv-eval), so the
test suite stays light. The configuration:

- both tables cleaned as a user would: names split in first and last token, lowercased, diacritics removed;
  phones to E.164 (the record's country; a number in a post read with the default region); emails
  lowercased; handles as `platform:handle`, account ids as `platform:id`;
- customer records in long form: one row per phone / social account (name and email on each);
- blocking on phone, email, handle, account id, surname, and first name = surname (names written in the
  other order);
- comparisons: Jaro-Winkler on first name and surname (0.92, 0.8), exact phone, email, handle, account id;
- trained without labels: the prior from deterministic rules (account id, handle), u by random sampling,
  m by expectation maximisation (blocked on surname, then on phone);
- each post goes to its most probable customer; the link threshold is the one with the best recall at
  ≥ 99.5 % precision on the tuning half; a post whose best probability is between 0.5 and that
  threshold counts as held for review (a clerical band).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Sequence
from typing import Any

from infra.eval_population import LabelledPost
from socialcrm.phones import to_e164

PRECISION_FLOOR = 0.995
REVIEW_FLOOR = 0.5
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{6,18}\d(?!\w)")


def available() -> bool:
    try:
        import splink  # noqa: F401
    except ImportError:
        return False
    return True


def _plain(text: str | None) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^\w ]+", " ", letters).split()


def _names(text: str | None) -> tuple[str | None, str | None]:
    tokens = _plain(text)
    if not tokens:
        return None, None
    return tokens[0], (tokens[-1] if len(tokens) > 1 else None)


def record_rows(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for record in records:
        first, last = _names(record.get("name"))
        region = record.get("country") or "GB"
        written = [raw.get("number") if isinstance(raw, dict) else raw for raw in record.get("phones") or []]
        phones = [p for p in (to_e164(raw, region) for raw in written) if p]
        emails = [e.strip().lower() for e in record.get("emails") or []]
        social = record.get("social") or []
        for i in range(max(1, len(phones), len(social))):
            entry = social[i] if i < len(social) else {}
            handle = (entry.get("handle") or "").lstrip("@").lower()
            rows.append({"unique_id": f"{record['customer_id']}#{i}", "customer_id": record["customer_id"],
                         "first_name": first, "surname": last,
                         "phone": phones[i % len(phones)] if phones else None,
                         "email": emails[0] if emails else None,
                         "handle": f"{entry['platform']}:{handle}" if handle else None,
                         "account": f"{entry['platform']}:{entry['user_id']}" if entry.get("user_id") else None})
    return rows


def post_rows(posts: Sequence[LabelledPost], default_region: str) -> list[dict[str, Any]]:
    rows = []
    for n, labelled in enumerate(posts):
        post, author = labelled.post, labelled.post.author
        first, last = _names(author.name)
        phone = author.phone
        email = None
        if post.is_direct_message and post.text:
            found = _EMAIL.findall(post.text)
            email = found[0].lower() if found else None
            if phone is None:
                phone = next((p for p in (to_e164(raw, default_region) for raw in _PHONE.findall(post.text)) if p),
                             None)
        rows.append({"unique_id": str(n), "customer_id": None, "first_name": first, "surname": last,
                     "phone": phone, "email": email,
                     "handle": f"{author.platform}:{author.handle.lower()}" if author.handle else None,
                     "account": f"{author.platform}:{author.user_id}" if author.user_id else None})
    return rows


def best_matches(records: Sequence[dict[str, Any]], posts: Sequence[LabelledPost], default_region: str
                 ) -> tuple[dict[int, tuple[str, float]], float, float]:
    """Each post's most probable customer and its probability; seconds training, seconds predicting."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    db_api = DuckDBAPI()
    left = db_api.register(record_rows(records), table_name="records")
    right = db_api.register(post_rows(posts, default_region), table_name="posts")
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[cl.JaroWinklerAtThresholds("first_name", [0.92, 0.8]),
                     cl.JaroWinklerAtThresholds("surname", [0.92, 0.8]),
                     cl.ExactMatch("phone"), cl.ExactMatch("email"), cl.ExactMatch("handle"),
                     cl.ExactMatch("account")],
        blocking_rules_to_generate_predictions=[block_on("phone"), block_on("email"), block_on("handle"),
                                                block_on("account"), block_on("surname"),
                                                "l.first_name = r.surname"],
        additional_columns_to_retain=["customer_id"],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([left, right], settings, log_level=40)
    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match([block_on("account"), block_on("handle")],
                                                                  recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    best: dict[int, tuple[str, float]] = {}
    for row in predictions.as_record_list():
        if row["source_dataset_l"] == "posts":
            post, customer = int(row["unique_id_l"]), row["customer_id_r"]
        else:
            post, customer = int(row["unique_id_r"]), row["customer_id_l"]
        probability = float(row["match_probability"])
        if post not in best or probability > best[post][1]:
            best[post] = (customer, probability)
    return best, trained - started, time.perf_counter() - trained


def choose_threshold(best: dict[int, tuple[str, float]], posts: Sequence[LabelledPost], tune: Sequence[int]) -> float:
    """The lowest threshold whose links on the tuning posts are ≥ PRECISION_FLOOR precise (best recall)."""
    scored = sorted(((best[n][1], best[n][0] == posts[n].truth) for n in tune if n in best), reverse=True)
    threshold, correct = 1.0, 0
    for linked, (probability, right) in enumerate(scored, start=1):
        correct += right
        if correct / linked >= PRECISION_FLOOR:
            threshold = probability
    return threshold
