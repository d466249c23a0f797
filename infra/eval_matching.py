"""make eval-matching: a labelled data set of customers and posts with realistic noise, matched by the
production resolver (socialcrm.matching, through socialcrm.linking as the processor calls it), scored.

The data set is generated from a seed; its composition is fixed in PROFILE below and described in
docs/matching.md. Matching runs against in-memory identity links (infra/eval_memory.py), so the
throughput is the resolver's own; DynamoDB requests per post are counted and reported too.

    python -m infra.eval_matching --customers 10000 --posts 50000 --seed 7
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "core"))

import phonenumbers  # noqa: E402

from infra.eval_memory import MemoryCodes, MemoryDirectory, MemoryReviews, Unused  # noqa: E402
from infra.eval_population import LabelledPost, Population, build  # noqa: E402
from socialcrm.customers import parse_customer  # noqa: E402
from socialcrm.linking import LinkingDeps, issue_code, match_new_post  # noqa: E402
from socialcrm.model import Author, CanonicalPost  # noqa: E402

# The composition of the data set (shares are probabilities, drawn per item).
PROFILE = {
    "countries": {"GB": 0.4, "US": 0.25, "FR": 0.15, "DE": 0.1, "ES": 0.1},
    "homonym_customers": 0.03,  # same full name as another customer
    "shared_family_phone": 0.015,  # same phone as another customer (same household)
    "second_phone": 0.2,
    "has_email": 0.9,
    "accounts_per_customer": {1: 0.55, 2: 0.35, 3: 0.1},
    "platforms": {"facebook": 0.35, "instagram": 0.3, "x": 0.2, "whatsapp": 0.15},
    # How the CRM record knows each account (the rest of the time it does not know it at all).
    "record_knows": {"facebook": {"user_id": 0.93}, "instagram": {"handle": 0.93},
                     "x": {"user_id": 0.6, "handle": 0.33}, "whatsapp": {"phone": 0.93}},
    "display_name": {"exact": 0.55, "no_diacritics": 0.15, "nickname": 0.1, "typo": 0.05, "middle_name": 0.05,
                     "pseudonym": 0.1},
    "handle_renamed_midway": 0.1,
    "customer_post_share": 0.7,
    "non_customer_accounts": 5000,
    "non_customer_reuses_a_record_handle": 0.05,  # a handle a customer gave up (renamed), taken by someone else
    "non_customer_homonym": 0.05,
    "direct_message_share": {"facebook": 0.2, "x": 0.2, "instagram": 0.1, "whatsapp": 1.0},
    "dm_with_own_contact": 0.4,  # of customers' DMs (not WhatsApp): their phone or email written in
    "non_customer_dm_with_relatives_phone": 0.1,
    "non_customer_dm_impersonating": 0.02,  # a stranger's DM: a customer's name as display name, their phone or email
    "dm_with_link_code": 0.005,
}

FIRST = ["Ada", "Grace", "Zoë", "José", "Łukasz", "Søren", "Chloé", "Noémie", "François", "Jürgen", "Ines",
         "Robert", "William", "Elizabeth", "Katherine", "Michael", "James", "Thomas", "Margaret", "Daniel",
         "Samuel", "Victoria", "Anthony", "Nicholas", "Matthew", "Andrew", "Peter", "Susan", "Edward", "David",
         "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Mia", "Lucas", "Sofia", "Mateo", "Léa", "Hugo",
         "Björn", "Åsa", "Renée", "Álvaro", "María", "Joaquín", "Siobhán", "Dvořák", "Małgorzata", "Zoltán"]
LAST = ["Lovelace", "Hopper", "Müller", "García", "Nowak", "Kowalski", "Dubois", "Lefèvre", "Martínez", "Smith",
        "Jones", "Brown", "Taylor", "Wilson", "Johnson", "Williams", "Davies", "Evans", "Thomas", "Roberts",
        "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Bernard", "Moreau",
        "Laurent", "Fernández", "López", "Sánchez", "Pérez", "Gómez", "Ó Briain", "Nguyễn", "Øvergaard",
        "Ångström", "Żukowski", "Novák", "Horváth", "Kovačević", "Jensen", "Hansen", "Andersen", "O'Neill",
        "MacLeod", "Fitzgerald", "Okafor", "Adeyemi", "Mensah", "Haddad", "Khan", "Patel", "Singh", "Yamamoto"]
NICKNAME_OF = {"Robert": "Bob", "William": "Bill", "Elizabeth": "Liz", "Katherine": "Kate", "Michael": "Mike",
               "James": "Jim", "Thomas": "Tom", "Margaret": "Maggie", "Daniel": "Dan", "Samuel": "Sam",
               "Victoria": "Vicky", "Anthony": "Tony", "Nicholas": "Nick", "Matthew": "Matt", "Andrew": "Andy",
               "Peter": "Pete", "Susan": "Sue", "Edward": "Ed", "David": "Dave"}
PSEUDONYMS = ["moonlight", "coffee_addict", "gamer4life", "the_real_deal", "sunny days", "NightOwl", "wanderer",
              "🌸 blossom 🌸", "dadof3", "proud mum", "tech guy", "bookworm", "FitnessFan", "travel bug"]
MOBILE_PREFIX = {"GB": "+447", "US": "+1", "FR": "+336", "DE": "+4915", "ES": "+346"}
EMAIL_HOSTS = ["gmail.com", "outlook.com", "example.org", "mail.example.com", "icloud.com"]
START = datetime(2026, 10, 1, tzinfo=UTC)


def pick(rng: random.Random, shares: dict) -> object:
    roll, total = rng.random(), 0.0
    for value, share in shares.items():
        total += share
        if roll < total:
            return value
    return value


def strip_diacritics(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def a_phone(rng: random.Random, country: str) -> str:
    for _ in range(1000):
        if country == "US":
            area = rng.choice(["202", "212", "415", "617", "312", "646"])
            raw = f"+1{area}{rng.randint(2, 9)}{rng.randint(0, 999999):06d}"
        else:
            digits = {"GB": 9, "FR": 8, "DE": 9, "ES": 8}[country]
            raw = MOBILE_PREFIX[country] + "".join(rng.choice(string.digits) for _ in range(digits))
        number = phonenumbers.parse(raw)
        if phonenumbers.is_valid_number(number):
            return raw
    raise ValueError(f"no valid {country} mobile number drawn in 1000 tries")


def written_phone(rng: random.Random, e164: str, home: str | None = None) -> str:
    """A phone as people write it: national (when it is from the writer's country), international with
    spaces, or with 00."""
    number = phonenumbers.parse(e164)
    style = rng.random()
    region = phonenumbers.region_code_for_number(number)
    if style < 0.5 and region == (home or region):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if style < 0.8:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return "00" + e164[1:]


def written_email(rng: random.Random, email: str) -> str:
    local, host = email.split("@")
    if host == "gmail.com" and rng.random() < 0.5:
        local = local.replace(".", "")
    if host in ("gmail.com", "outlook.com") and rng.random() < 0.3:
        local += "+shop"
    return (f"{local}@{host}").upper() if rng.random() < 0.1 else f"{local}@{host}"


def a_typo(rng: random.Random, name: str) -> str:
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    i = rng.choice(letters[1:]) if len(letters) > 1 else letters[0]
    change = rng.random()
    if change < 0.4:
        return name[:i] + name[i + 1:]  # dropped letter
    if change < 0.7 and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]  # swapped letters
    return name[:i] + rng.choice("aeiourstln") + name[i + 1:]


def a_handle(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    """A handle nobody holds yet on that platform (handles are unique per platform)."""
    base = strip_diacritics(f"{first}{rng.choice(['.', '_', ''])}{last}").lower().replace(" ", "").replace("'", "")
    handle = base + (str(rng.randint(1, 999)) if rng.random() < 0.5 else "")
    while handle in taken:
        handle = base + str(rng.randint(1, 99_999))
    taken.add(handle)
    return handle


@dataclass
class Account:
    platform: str
    owner: str | None  # customer id, or None for someone with no customer record
    first: str
    last: str
    user_id: str | None
    handle: str | None
    phone: str | None
    display: str
    renamed_to: str | None = None
    reused: bool = False  # holds a handle a customer gave up: posts once the owner has renamed
    known_to_crm: bool = False  # the customer record holds this account's id, handle or phone
    posts: int = 0


@dataclass
class DataSet:
    records: list[dict] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    posts: list[tuple[CanonicalPost, str | None]] = field(default_factory=list)  # (post, true customer)
    matchable: set[int] = field(default_factory=set)  # posts whose author's customer left evidence to find
    codes_for: list[int] = field(default_factory=list)  # indexes of posts that carry a link code
    impersonations: set[int] = field(default_factory=set)  # strangers' DMs posing as a customer (name + contact)


def display_name(rng: random.Random, first: str, last: str) -> str:
    style = pick(rng, PROFILE["display_name"])
    if style == "no_diacritics":
        return strip_diacritics(f"{first} {last}")
    if style == "nickname":
        return f"{NICKNAME_OF.get(first, first)} {last}"
    if style == "typo":
        return a_typo(rng, f"{first} {last}")
    if style == "middle_name":
        return f"{first} {rng.choice(FIRST)} {last}"
    if style == "pseudonym":
        return rng.choice(PSEUDONYMS)
    return f"{first} {last}"


def generate(customers: int, posts: int, seed: int) -> DataSet:
    rng = random.Random(seed)  # noqa: S311  (a reproducible data set, not a secret)
    data = DataSet()
    people: list[tuple[str, str, str, list[str], list[str]]] = []  # id, first, last, phones, emails
    taken: dict[str, set[str]] = {platform: set() for platform in PROFILE["platforms"]}
    given_up: list[tuple[str, str]] = []  # (platform, old handle) of renamed accounts the CRM knows by handle
    for n in range(customers):
        customer_id = f"cust-{n:06d}"
        country = pick(rng, PROFILE["countries"])
        if people and rng.random() < PROFILE["homonym_customers"]:
            first, last = rng.choice(people)[1:3]
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
        phones = [a_phone(rng, country)]
        if people and rng.random() < PROFILE["shared_family_phone"]:
            phones = [rng.choice(people)[3][0]]
        if rng.random() < PROFILE["second_phone"]:
            phones.append(a_phone(rng, country))
        emails = []
        if rng.random() < PROFILE["has_email"]:
            local = strip_diacritics(f"{first}.{last}").lower().replace(" ", "").replace("'", "")
            emails.append(f"{local}{n}@{rng.choice(EMAIL_HOSTS)}")
        people.append((customer_id, first, last, phones, emails))
        record = {"customer_id": customer_id, "name": f"{first} {last}", "country": country,
                  "phones": [written_phone(rng, p, country) for p in phones], "emails": emails, "social": []}
        for _ in range(pick(rng, PROFILE["accounts_per_customer"])):
            platform = pick(rng, PROFILE["platforms"])
            account = Account(platform, customer_id, first, last, None, None, None, display_name(rng, first, last))
            if platform == "whatsapp":
                account.known_to_crm = rng.random() < PROFILE["record_knows"]["whatsapp"]["phone"]
                account.phone = phones[0] if account.known_to_crm else a_phone(rng, country)
            else:
                account.user_id = str(rng.randint(10**15, 10**19))
                account.handle = a_handle(rng, first, last, taken[platform])
                known = pick(rng, {**PROFILE["record_knows"][platform], "unknown": 1.0})
                account.known_to_crm = known != "unknown"
                if known == "user_id":
                    record["social"].append({"platform": platform, "user_id": account.user_id})
                elif known == "handle":
                    shown = rng.choice([account.handle, "@" + account.handle, account.handle.upper()])
                    record["social"].append({"platform": platform, "handle": shown})
                if rng.random() < PROFILE["handle_renamed_midway"]:
                    account.renamed_to = a_handle(rng, first, last, taken[platform])
                    if known == "handle":
                        given_up.append((platform, account.handle))
            data.accounts.append(account)
        data.records.append(record)

    for _ in range(PROFILE["non_customer_accounts"]):
        platform = pick(rng, PROFILE["platforms"])
        if rng.random() < PROFILE["non_customer_homonym"]:
            first, last = rng.choice(people)[1:3]
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
        account = Account(platform, None, first, last, None, None, None, display_name(rng, first, last))
        if platform == "whatsapp":
            account.phone = a_phone(rng, pick(rng, PROFILE["countries"]))
        else:
            account.user_id = str(rng.randint(10**15, 10**19))
            account.handle = a_handle(rng, first, last, taken[platform])
            reusable = [h for p, h in given_up if p == platform]
            if reusable and rng.random() < PROFILE["non_customer_reuses_a_record_handle"]:
                account.handle = reusable[0]  # posts under it only after its owner renamed
                given_up.remove((platform, account.handle))
                account.reused = True
        data.accounts.append(account)

    customer_accounts = [a for a in data.accounts if a.owner]
    other_accounts = [a for a in data.accounts if not a.owner]
    weights_c = [rng.paretovariate(1.5) for _ in customer_accounts]  # a few loud accounts
    weights_o = [rng.paretovariate(1.5) for _ in other_accounts]
    by_id = {p[0]: p for p in people}
    renamed_at = posts // 2
    for n in range(posts):
        moment = START + timedelta(seconds=n * 60)
        by_customer = rng.random() < PROFILE["customer_post_share"]
        account = rng.choices(customer_accounts if by_customer else other_accounts,
                              weights_c if by_customer else weights_o)[0]
        while account.reused and n < renamed_at:  # a given-up handle is taken only after the rename
            account = rng.choices(other_accounts, weights_o)[0]
        account.posts += 1
        is_dm = rng.random() < PROFILE["direct_message_share"][account.platform]
        text = "Still waiting for my refund, order 48151."
        display = account.display
        if is_dm and account.platform != "whatsapp":
            if account.owner and rng.random() < PROFILE["dm_with_own_contact"]:
                _, _, _, phones, emails = by_id[account.owner]
                contact = written_email(rng, emails[0]) if emails and rng.random() < 0.5 \
                    else written_phone(rng, phones[0])
                text = f"Hi, it's me. You can reach me at {contact}. Where is my order?"
                data.matchable.add(n)
            elif not account.owner and rng.random() < PROFILE["non_customer_dm_with_relatives_phone"]:
                text = f"Please call my mother on {written_phone(rng, rng.choice(people)[3][0])} about her order."
            elif not account.owner and rng.random() < PROFILE["non_customer_dm_impersonating"]:
                _, first, last, phones, emails = rng.choice(people)
                contact = written_email(rng, emails[0]) if emails and rng.random() < 0.5 \
                    else written_phone(rng, phones[0])
                display = f"{first} {last}"
                text = f"Hi, it's {display}. You can reach me at {contact}. Where is my order?"
                data.impersonations.add(n)
            if account.owner and rng.random() < PROFILE["dm_with_link_code"]:
                data.codes_for.append(n)
                data.matchable.add(n)
        handle = account.handle
        if account.renamed_to and n >= renamed_at:
            handle = account.renamed_to
        if account.known_to_crm:
            data.matchable.add(n)
        author = Author(account.platform, account.user_id, handle, display, account.phone)
        kind = "message" if is_dm else "comment"
        data.posts.append((CanonicalPost(account.platform, f"p{n}", kind, author, text,
                                         moment.strftime("%Y-%m-%dT%H:%M:%SZ")), account.owner))
    return data


class EvalClock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment


def evaluate(data: DataSet) -> dict:
    directory = MemoryDirectory()
    for record in data.records:
        directory.upsert(parse_customer(record, "GB"))
    clock = EvalClock()
    codes = MemoryCodes()
    deps = LinkingDeps(directory, Unused(), Unused(), MemoryReviews(), codes, "GB", clock)
    outcomes: Counter = Counter()
    wrong: Counter = Counter()
    found_matchable = impersonations_linked = 0
    reads: list[int] = []
    coded = set(data.codes_for)
    started = time.perf_counter()
    for n, (post, truth) in enumerate(data.posts):
        clock.moment = datetime.fromisoformat(post.created_at.replace("Z", "+00:00"))
        if n in coded and truth:
            code = issue_code(truth, deps).code
            post = CanonicalPost(post.platform, post.post_id, post.kind, post.author, f"My code is {code}",
                                 post.created_at)
        before = directory.reads + codes.reads
        match, _ = match_new_post(post, deps)
        reads.append(directory.reads + codes.reads - before)
        outcomes[(match.outcome, "customer" if truth else "nobody")] += 1
        if match.linked and n in data.impersonations:
            impersonations_linked += 1
        if match.linked and match.customer_id != truth:
            wrong["+".join(match.evidence)] += 1
        elif match.linked and n in data.matchable:
            found_matchable += 1
    elapsed = time.perf_counter() - started
    by_customers = sum(1 for _, truth in data.posts if truth)
    linked = outcomes[("linked", "customer")] + outcomes[("linked", "nobody")]
    correct = linked - sum(wrong.values())
    return {
        "customers": len(data.records), "posts": len(data.posts), "posts_by_customers": by_customers,
        "linked": linked, "linked_correctly": correct, "wrong_links": sum(wrong.values()),
        "precision": correct / linked if linked else 1.0,
        "matchable_posts": len(data.matchable),
        "recall": found_matchable / len(data.matchable) if data.matchable else 1.0,
        "coverage": correct / by_customers if by_customers else 1.0,
        "held_for_review": outcomes[("candidate", "customer")] + outcomes[("candidate", "nobody")],
        "impersonations": len(data.impersonations), "impersonations_linked": impersonations_linked,
        "unmatched_customer_posts": outcomes[("unmatched", "customer")],
        "posts_per_second": len(data.posts) / elapsed,
        "key_reads_per_post_max": max(reads), "key_reads_per_post_mean": sum(reads) / len(reads),
        "wrong_link_evidence": dict(wrong.most_common(5)),
    }


def score(outcomes: Sequence[tuple[str, str | None]], posts: Sequence[LabelledPost], indexes: Sequence[int]
          ) -> dict[str, Any]:
    """Precision, recall of matchable posts, coverage and review share of (outcome, customer) per post."""
    linked = correct = found = held = 0
    wrong: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for n in indexes:
        (outcome, customer), labelled = outcomes[n], posts[n]
        held += outcome == "candidate"
        if outcome == "linked":
            linked += 1
            if customer == labelled.truth:
                correct += 1
                found += labelled.matchable
            else:
                wrong[labelled.situation] += 1
        elif labelled.matchable:
            missed[f"{labelled.situation} ({outcome})"] += 1
    matchable = sum(posts[n].matchable for n in indexes)
    by_customers = sum(posts[n].truth is not None for n in indexes)
    return {"posts": len(indexes), "linked": linked, "wrong_links": linked - correct,
            "precision": correct / linked if linked else 1.0, "matchable": matchable,
            "recall": found / matchable if matchable else 1.0,
            "coverage": correct / by_customers if by_customers else 1.0,
            "review_share": held / len(indexes) if indexes else 0.0,
            "wrong_by_situation": dict(wrong.most_common(6)), "missed_by_situation": dict(missed.most_common(6))}


def run_matcher(population: Population, default_region: str = "GB") -> tuple[list[tuple[str, str | None]], float,
                                                                            MemoryReviews]:
    """Every post of the population, in time order, through the production linking path."""
    directory = MemoryDirectory()
    for record in population.records:
        directory.upsert(parse_customer(record, default_region))
    clock = EvalClock()
    codes, reviews = MemoryCodes(), MemoryReviews()
    deps = LinkingDeps(directory, Unused(), Unused(), reviews, codes, default_region, clock)
    outcomes: list[tuple[str, str | None]] = []
    started = time.perf_counter()
    for labelled in population.posts:
        post = labelled.post
        clock.moment = datetime.fromisoformat(post.created_at.replace("Z", "+00:00"))
        if labelled.situation.endswith("+code") and labelled.truth:
            code = issue_code(labelled.truth, deps).code
            post = CanonicalPost(post.platform, post.post_id, post.kind, post.author, f"My code is {code}",
                                 post.created_at)
        match, _ = match_new_post(post, deps)
        if match.outcome == "candidate":
            reviews.hold(post.key, post.created_at, match.candidates)
        outcomes.append((match.outcome, match.customer_id))
    return outcomes, len(population.posts) / (time.perf_counter() - started), reviews


def run_splink(population: Population, default_region: str = "GB") -> tuple[list[tuple[str, str | None]], float,
                                                                            float]:
    """Splink's outcome per post (threshold chosen on the tuning half), its posts/s, and its threshold."""
    from infra import eval_splink

    best, train_seconds, predict_seconds = eval_splink.best_matches(population.records, population.posts,
                                                                    default_region)
    tune = [n for n, p in enumerate(population.posts) if p.half == "tune"]
    threshold = eval_splink.choose_threshold(best, population.posts, tune)
    outcomes: list[tuple[str, str | None]] = []
    for n in range(len(population.posts)):
        customer, probability = best.get(n, (None, 0.0))
        if probability >= threshold:
            outcomes.append(("linked", customer))
        elif probability >= eval_splink.REVIEW_FLOOR:
            outcomes.append(("candidate", None))
        else:
            outcomes.append(("unmatched", None))
    return outcomes, len(population.posts) / (train_seconds + predict_seconds), threshold


def compare(customers: int, posts: int, seed: int, splink: bool) -> list[tuple[str, str, dict[str, Any], float]]:
    """(data set, tool, figures, posts/s) rows: the independent population's held-out half for both tools."""
    population = build(customers, posts, seed)
    held_out = [n for n, p in enumerate(population.posts) if p.half == "held_out"]
    rows = []
    outcomes, speed, _ = run_matcher(population)
    rows.append(("independent, held-out half", "socialcrm", score(outcomes, population.posts, held_out), speed))
    if splink:
        outcomes, speed, threshold = run_splink(population)
        figures = score(outcomes, population.posts, held_out)
        figures["threshold"] = threshold
        rows.append(("independent, held-out half", "Splink (DuckDB)", figures, speed))
    return rows


def print_table(rows: Sequence[tuple[str, str, dict[str, Any], float]]) -> None:
    print(f"{'data set':<30} {'tool':<16} {'precision':>16} {'recall':>16} {'review':>7} {'posts/s':>9}")
    for data_set, tool, f, speed in rows:
        print(f"{data_set:<30} {tool:<16} {f['precision']:>8.3%} ({f['wrong_links']:>4}) "
              f"{f['recall']:>7.2%} ({f['matchable']:>5}) {f['review_share']:>7.2%} {speed:>9,.0f}")
    for data_set, tool, f, _ in rows:
        extra = f"  threshold {f['threshold']:.4f}" if "threshold" in f else ""
        print(f"{tool} on {data_set}:{extra} wrong links by situation {f['wrong_by_situation']}; "
              f"missed {f['missed_by_situation']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--population-customers", type=int, default=5_000)
    parser.add_argument("--population-posts", type=int, default=20_000)
    parser.add_argument("--population-seed", type=int, default=2026)
    parser.add_argument("--splink", choices=("auto", "yes", "no"), default="auto",
                        help="run Splink beside (auto: when it is installed, as make eval-matching does)")
    args = parser.parse_args(argv)
    from infra import eval_splink

    with_splink = args.splink == "yes" or (args.splink == "auto" and eval_splink.available())
    rows = compare(args.population_customers, args.population_posts, args.population_seed, with_splink)
    figures = evaluate(generate(args.customers, args.posts, args.seed))
    rows.insert(1, ("first generator, all posts", "socialcrm", {
        "precision": figures["precision"], "wrong_links": figures["wrong_links"], "recall": figures["recall"],
        "matchable": figures["matchable_posts"], "review_share": figures["held_for_review"] / figures["posts"],
        "wrong_by_situation": figures["wrong_link_evidence"], "missed_by_situation": {}},
        figures["posts_per_second"]))
    if args.json:
        print(json.dumps({"first_generator": figures, "table": [list(row) for row in rows]}, indent=2, default=str))
        return 0
    print(f"independent population: {args.population_customers:,} customers, {args.population_posts:,} posts, "
          f"seed {args.population_seed} (infra/eval_population.py); first generator: {args.customers:,} "
          f"customers, {args.posts:,} posts, seed {args.seed}")
    print_table(rows)
    if not with_splink:
        print("Splink is not installed here: `make eval-matching` installs it in .venv-eval and runs it beside.")
    print(f"first generator: coverage {figures['coverage']:.2%}; strangers' DMs posing as a customer linked "
          f"{figures['impersonations_linked']} of {figures['impersonations']}; key reads per post max "
          f"{figures['key_reads_per_post_max']}, mean {figures['key_reads_per_post_mean']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
