"""A second labelled population for make eval-matching, written from what contact centres meet, not from the
matcher: households, relatives, recycled and shared numbers, released and renamed handles, people abroad,
names as people write them in several scripts and cultures. Every situation has a stated rate (RATES).

Customers are grouped in households; each household falls in the tuning half or the held-out half (by a
hash of its id), and so do the strangers tied to it (a relative on its phone, the new holder of its
number or of a handle it released). Unattached strangers are split the same way by account. Tuning
(Splink's threshold) sees the tuning half only; the figures reported are the held-out half's.

Labels: `truth` is the customer who wrote the post (None for anyone else, a relative included). A
customer's post is *matchable* when, at the time of the post, something the platform asserts about the
author is on that customer's record: the account id, the handle the account holds then, or the WhatsApp
sender number (even one shared with a relative's record); or the same account wrote earlier under a
handle on the record (so the account could have been learned); or the message carries a one-time code.
Whatever else the customer left (a phone or email typed in a message, their name) is typed by the author
and is not enough to link anyone on its own: those posts count in coverage, not in recall.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import phonenumbers

from socialcrm.model import Author, CanonicalPost

# Rates of each situation (probabilities drawn per item; the unit is in the comment).
RATES: dict[str, float] = {
    "household_size_2": 0.30,  # of households: two customers (else one)
    "household_phone_on_both_records": 0.35,  # of two-customer households: one landline/shared mobile on both records
    "customer_abroad": 0.08,  # of customers: mobile from another country than the record's
    "second_phone": 0.25,  # of customers
    "has_email": 0.85,  # of customers
    "whatsapp_user": 0.45,  # of customers
    "whatsapp_number_not_on_record": 0.12,  # of WhatsApp customers: a number the CRM never had
    "whatsapp_from_household_phone": 0.30,  # of customers whose household phone is on both records
    "number_recycled": 0.05,  # of customers on WhatsApp: their recorded number went to a stranger (who writes)
    "relative_on_customers_phone": 0.06,  # of WhatsApp customers: a relative also writes from that number
    "social_accounts": 0.85,  # of customers: at least one Facebook/Instagram/X account (1-3)
    "crm_holds_id_and_handle": 0.30,  # of social accounts
    "crm_holds_id_only": 0.25,
    "crm_holds_handle_only": 0.30,  # (the rest: the CRM does not know the account)
    "account_renamed": 0.12,  # of social accounts: the handle changes during the period
    "released_handle_taken": 0.40,  # of renamed accounts: a stranger registers the old handle and writes
    "dm_share_social": 0.25,  # of Facebook/Instagram/X posts: direct messages
    "dm_with_own_phone": 0.18,  # of customers' direct messages
    "dm_with_own_email": 0.15,  # of customers' direct messages
    "dm_with_code": 0.004,  # of customers' direct messages
    "stranger_dm_with_customers_contact": 0.01,  # of strangers' direct messages: a customer's name and contact
    "stranger_homonym": 0.04,  # of strangers: the full name of a customer
    "posts_by_customers": 0.62,  # of posts
    "phone_confirmation_date_on_record": 0.70,  # of record phones: the CRM keeps when it last confirmed the number
    "in_use_number_confirmed_over_a_year_ago": 0.15,  # of numbers in use with a date (else within the year)
}
# Days before the period when the CRM last confirmed a number: in use (recent or old), or since given up and
# recycled by the operator (a number is reassigned after months of inactivity, so its last confirmation is old;
# some recycled numbers were still confirmed within the year).
CONFIRMED_DAYS_AGO = {"in_use_recent": (0, 365), "in_use_old": (366, 1000), "recycled": (200, 1500)}
# How a display name is written (shares of accounts).
DISPLAY_STYLES = {"as_recorded": 0.40, "no_diacritics": 0.10, "nickname": 0.08, "native_script_or_spelling": 0.06,
                  "family_name_first": 0.05, "initial_and_surname": 0.04, "given_name_only": 0.07,
                  "given_and_initial": 0.03, "decorated": 0.04, "not_a_name": 0.13}

# Given names with the short forms people use; family names; per culture. Some cultures are written in
# another script or spelled several ways in Latin letters.
CULTURES: dict[str, dict[str, Any]] = {
    "en": {"countries": ["GB", "US", "IE"], "share": 0.40,
           "given": {"William": ["Will", "Bill", "Liam"], "Elizabeth": ["Liz", "Beth", "Lizzie", "Betsy"],
                     "Robert": ["Rob", "Bob", "Bobby", "Bert"], "Richard": ["Rick", "Rich", "Dick"],
                     "Katherine": ["Kate", "Kathy", "Katie", "Kat"], "Margaret": ["Maggie", "Peggy", "Meg"],
                     "James": ["Jim", "Jamie", "Jimmy"], "Jennifer": ["Jen", "Jenny"], "Patricia": ["Pat", "Patty",
                     "Trish"], "Charles": ["Charlie", "Chuck"], "Christopher": ["Chris", "Kit"],
                     "Alexandra": ["Alex", "Sandra", "Lexi"], "Rebecca": ["Becky", "Becca"], "Thomas": ["Tom"],
                     "Susan": ["Sue", "Suzy"], "Michael": ["Mike", "Mick"], "Olivia": ["Liv"], "Grace": [],
                     "Siobhán": [], "Aoife": [], "Jack": [], "Emily": ["Em"], "Daniel": ["Dan", "Danny"],
                     "Anthony": ["Tony"], "Henry": ["Harry", "Hank"], "Edward": ["Ted", "Ed", "Eddie"]},
           "family": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Walker",
                      "Wright", "Thompson", "O'Brien", "Murphy", "Kelly", "MacDonald", "Robinson", "Clarke",
                      "Hughes", "Evans", "Green", "Hall", "Lewis", "Harris", "King", "Baker", "Ó Súilleabháin"]},
    "fr": {"countries": ["FR"], "share": 0.12,
           "given": {"François": [], "Hélène": [], "Zoé": [], "Jérôme": [], "Anaïs": [], "Céline": [],
                     "Frédéric": ["Fred"], "Stéphane": [], "Benoît": [], "Noémie": [], "Agnès": [],
                     "Jean-Pierre": ["JP"], "Marie-Claire": [], "Léa": [], "Théo": []},
           "family": ["Lefèvre", "Dubois", "Girard", "Moreau", "Laurent", "Bernard", "Fontaine", "Rousseau",
                      "Mercier", "Chevalier", "Bélanger", "Lemaître", "Gauthier", "Faure", "Rivière"]},
    "de": {"countries": ["DE"], "share": 0.10,
           "given": {"Jürgen": [], "Jörg": [], "Günther": [], "Ursula": ["Uschi"], "Björn": [], "Käthe": [],
                     "Matthias": ["Matze"], "Sabine": [], "Stefan": [], "Wolfgang": ["Wolf"], "Lena": []},
           "family": ["Müller", "Schröder", "Weiß", "Groß", "Köhler", "Schäfer", "Becker", "Hoffmann", "Krüger",
                      "Fuchs", "Böhm", "Vogel", "Schulze"]},
    "es": {"countries": ["ES"], "share": 0.10,
           "given": {"José": ["Pepe"], "María": [], "Iñigo": [], "Ramón": [], "Begoña": [], "Jesús": ["Chuy"],
                     "Francisco": ["Paco", "Curro"], "Dolores": ["Lola"], "Ignacio": ["Nacho"], "Lucía": [],
                     "Álvaro": [], "Concepción": ["Concha"]},
           "family": ["García", "Núñez", "Martínez", "López", "Pérez", "Gómez", "Fernández", "Ibáñez", "Muñoz",
                      "Sánchez", "Jiménez", "Ruiz"]},
    "pl": {"countries": ["PL"], "share": 0.08,
           "given": {"Łukasz": [], "Wojciech": ["Wojtek"], "Małgorzata": ["Gosia"], "Katarzyna": ["Kasia"],
                     "Krzysztof": ["Krzyś"], "Agnieszka": ["Aga"], "Paweł": [], "Michał": [], "Zofia": ["Zosia"]},
           "family": ["Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański",
                      "Woźniak", "Dąbrowski", "Nowak"]},
    "ru": {"countries": ["GB", "DE", "FR"], "share": 0.08,
           "given": {"Aleksandr": ["Sasha"], "Sergey": ["Seryozha"], "Tatyana": ["Tanya"], "Dmitry": ["Dima"],
                     "Yuri": [], "Natalya": ["Natasha"], "Olga": ["Olya"], "Mikhail": ["Misha"],
                     "Yelena": ["Lena"], "Andrey": ["Andryusha"]},
           "family": ["Ivanov", "Kuznetsov", "Smirnov", "Popov", "Sokolov", "Lebedev", "Kozlov", "Novikov",
                      "Morozov", "Volkov", "Shevchenko", "Zhukov"]},
    "zh": {"countries": ["GB", "US"], "share": 0.06,
           "given": {"Wei": [], "Fang": [], "Jing": [], "Lei": [], "Xiaoming": [], "Yan": [], "Hui": []},
           "family": ["Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"]},
    "vi": {"countries": ["FR", "US"], "share": 0.06,
           "given": {"Thị Lan": [], "Văn An": [], "Minh Anh": [], "Quốc Bảo": [], "Thu Trang": []},
           "family": ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng"]},
}
# Other Latin spellings of the same Russian names, and the names in Cyrillic.
RU_SPELLINGS = {"Aleksandr": ["Alexander", "Alexandre", "Oleksandr"], "Sergey": ["Sergei", "Serguei"],
                "Tatyana": ["Tatiana", "Tatjana"], "Dmitry": ["Dmitri", "Dmitriy"], "Yuri": ["Iouri", "Juri", "Yury"],
                "Natalya": ["Natalia", "Natalja"], "Olga": [], "Mikhail": ["Michail", "Mikhael"],
                "Yelena": ["Elena", "Jelena"], "Andrey": ["Andrei", "Andrej"], "Ivanov": ["Ivanoff"],
                "Kuznetsov": ["Kouznetsov", "Kusnezow"], "Smirnov": ["Smirnoff"], "Shevchenko": ["Schewtschenko"],
                "Zhukov": ["Joukov", "Schukow"], "Volkov": ["Wolkow"], "Popov": ["Popoff"]}
CYRILLIC = {"Aleksandr": "Александр", "Sergey": "Сергей", "Tatyana": "Татьяна", "Dmitry": "Дмитрий", "Yuri": "Юрий",
            "Natalya": "Наталья", "Olga": "Ольга", "Mikhail": "Михаил", "Yelena": "Елена", "Andrey": "Андрей",
            "Ivanov": "Иванов", "Kuznetsov": "Кузнецов", "Smirnov": "Смирнов", "Popov": "Попов",
            "Sokolov": "Соколов", "Lebedev": "Лебедев", "Kozlov": "Козлов", "Novikov": "Новиков",
            "Morozov": "Морозов", "Volkov": "Волков", "Shevchenko": "Шевченко", "Zhukov": "Жуков"}
GERMAN_SPELLING = {"ü": "ue", "ö": "oe", "ä": "ae", "ß": "ss", "Ü": "Ue", "Ö": "Oe", "Ä": "Ae"}
NOT_NAMES = ["🌻", "mum of three", "Coffee & Books", "the Gardener", "xX_shadow_Xx", "Bella's Mum", "Tech Dad",
             "Sunshine ☀️", "~ wanderlust ~", "Home Sweet Home", "Team Leader", "Pizza Lover", "M.", "me",
             "Proud Grandma", "Runner 42"]
EMAIL_PROVIDERS = {"gmail.com": 0.35, "outlook.com": 0.12, "hotmail.com": 0.08, "yahoo.com": 0.1,
                   "icloud.com": 0.08, "web.de": 0.05, "orange.fr": 0.05, "protonmail.com": 0.02, "company": 0.15}
PLATFORMS = ("facebook", "instagram", "x")
HALVES = ("tune", "held_out")


def share(rng: random.Random, rate: str) -> bool:
    return rng.random() < RATES[rate]


def one_of(rng: random.Random, shares: dict[str, float]) -> str:
    roll, total = rng.random() * sum(shares.values()), 0.0
    for value, weight in shares.items():
        total += weight
        if roll < total:
            return value
    return next(reversed(shares))


def half_of(label: str) -> str:
    return HALVES[hashlib.sha256(label.encode()).digest()[0] & 1]


def plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def mobile(rng: random.Random, country: str) -> str:
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    for _ in range(200):
        candidate = national[:3] + "".join(rng.choice("0123456789") for _ in national[3:])
        number = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValueError(f"no valid mobile number for {country}")


def landline(rng: random.Random, country: str) -> str:
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.FIXED_LINE)
    national = str(example.national_number)
    for _ in range(200):
        candidate = national[:3] + "".join(rng.choice("0123456789") for _ in national[3:])
        number = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return mobile(rng, country)


def as_written(rng: random.Random, e164: str, writer_country: str) -> str:
    """A number the way its holder writes it: national in its own country's format most of the time
    (whatever country the writer lives in), else international."""
    number = phonenumbers.parse(e164)
    roll = rng.random()
    if roll < 0.55:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if roll < 0.85:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return "00" + e164[1:]


def on_record(rng: random.Random, e164: str, record_country: str) -> str:
    """A number as a CRM holds it: national when it is of the record's country, else international."""
    number = phonenumbers.parse(e164)
    if phonenumbers.region_code_for_number(number) == record_country and rng.random() < 0.6:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@dataclass
class Person:
    given: str
    family: str
    culture: str

    @property
    def full(self) -> str:
        return f"{self.given} {self.family}"


@dataclass
class Customer:
    customer_id: str
    household: str
    person: Person
    country: str
    phones: list[str]
    emails: list[str]
    record: dict[str, object] = field(default_factory=dict)


@dataclass
class Account:
    platform: str
    owner: str | None  # customer id; None for anyone else
    half: str
    display: str
    user_id: str | None = None
    handles: list[tuple[int, str]] = field(default_factory=list)  # (from post number, handle)
    phone: str | None = None
    record_handle: str | None = None  # the handle the owner's record holds, if any
    record_id: bool = False  # the owner's record holds this account id
    writes_after: int = 0  # posts nothing before this post number
    situation: str = "ordinary"
    weight: float = 1.0
    posted_under_record_handle: bool = False

    def handle_at(self, n: int) -> str | None:
        current = None
        for start, handle in self.handles:
            if n >= start:
                current = handle
        return current


@dataclass
class LabelledPost:
    post: CanonicalPost
    truth: str | None
    half: str
    matchable: bool
    situation: str


@dataclass
class Population:
    records: list[dict[str, object]]
    posts: list[LabelledPost]
    rates: dict[str, float]
    situations: Counter[str]

    def half(self, name: str) -> list[LabelledPost]:
        return [p for p in self.posts if p.half == name]


class Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311  (a reproducible data set, not a secret)
        self.customers: list[Customer] = []
        self.accounts: list[Account] = []
        self.taken: dict[str, set[str]] = {p: set() for p in PLATFORMS}
        self.ids: set[str] = set()

    def person(self, culture: str | None = None, family: str | None = None) -> Person:
        culture = culture or one_of(self.rng, {c: float(v["share"]) for c, v in CULTURES.items()})
        names = CULTURES[culture]
        given = self.rng.choice(list(names["given"]))
        return Person(given, family or self.rng.choice(names["family"]), culture)

    def account_id(self) -> str:
        while True:
            value = str(self.rng.randint(10**9, 10**17))
            if value not in self.ids:
                self.ids.add(value)
                return value

    def handle(self, platform: str, person: Person) -> str:
        given, family = plain(person.given).lower(), plain(person.family).lower()
        forms = [f"{given}{family}", f"{given}.{family}", f"{given}_{family}", f"{given[0]}{family}",
                 f"{family}{given[:1]}", f"the{given}"]
        base = "".join(c for c in self.rng.choice(forms) if c.isalnum() or c in "._")[:24]
        handle = base
        while handle in self.taken[platform] or self.rng.random() < 0.4:
            handle = f"{base}{self.rng.randint(1, 9999)}"
        self.taken[platform].add(handle)
        return handle

    def display(self, person: Person) -> str:
        rng, style = self.rng, one_of(self.rng, DISPLAY_STYLES)
        nicknames = CULTURES[person.culture]["given"][person.given]
        if style == "no_diacritics":
            return plain(person.full)
        if style == "nickname" and nicknames:
            return f"{rng.choice(nicknames)} {person.family}"
        if style == "native_script_or_spelling":
            if person.culture == "ru":
                if rng.random() < 0.5:
                    return f"{CYRILLIC.get(person.given, person.given)} {CYRILLIC.get(person.family, person.family)}"
                given = rng.choice(RU_SPELLINGS.get(person.given) or [person.given])
                return f"{given} {rng.choice(RU_SPELLINGS.get(person.family) or [person.family])}"
            if person.culture == "de":
                return "".join(GERMAN_SPELLING.get(c, c) for c in person.full)
            return plain(person.full).upper()
        if style == "family_name_first":
            family = person.family if rng.random() < 0.6 else person.family.upper()
            return f"{family} {person.given}"
        if style == "initial_and_surname":
            return f"{person.given[0]}. {person.family}"
        if style == "given_name_only":
            return person.given
        if style == "given_and_initial":
            return f"{person.given} {person.family[0]}."
        if style == "decorated":
            return f"{person.full} {rng.choice(['🌸', '✨', '🇬🇧', '(she/her)', '| Mum', '💙'])}"
        if style == "not_a_name":
            return rng.choice(NOT_NAMES)
        return person.full

    def email(self, person: Person, n: int) -> str:
        provider = one_of(self.rng, EMAIL_PROVIDERS)
        domain = f"{plain(person.family).lower().replace(' ', '').replace(chr(39), '')}-ltd.example" \
            if provider == "company" else provider
        given, family = plain(person.given).lower().replace(" ", ""), plain(person.family).lower().replace(" ", "")
        local = self.rng.choice([f"{given}.{family}", f"{given}{family}", f"{given[0]}{family}", f"{family}.{given}"])
        return f"{''.join(c for c in local if c.isalnum() or c == '.')}{n % 97}@{domain}"

    def written_email(self, email: str) -> str:
        local, domain = email.split("@")
        roll = self.rng.random()
        if domain == "gmail.com" and roll < 0.25:
            local = local.replace(".", "")
        elif domain == "gmail.com" and roll < 0.4:
            local = ".".join(local.replace(".", "")[i:i + 3] for i in range(0, len(local.replace(".", "")), 3))
        if domain in ("gmail.com", "outlook.com", "hotmail.com", "icloud.com", "protonmail.com") \
                and self.rng.random() < 0.25:
            local += self.rng.choice(["+orders", "+shop", "+news"])
        written = f"{local}@{domain}"
        return written.upper() if self.rng.random() < 0.05 else written.capitalize() if self.rng.random() < 0.1 \
            else written

    def add(self, account: Account) -> Account:
        account.weight = self.rng.paretovariate(1.6)
        self.accounts.append(account)
        return account


def build(customers: int = 5_000, posts: int = 20_000, seed: int = 2026) -> Population:
    """The population: CRM records (as CustomerSyncFunction receives them) and labelled posts in time order."""
    b = Builder(seed)
    rng = b.rng
    situations: Counter[str] = Counter()
    households: list[list[Customer]] = []
    n = 0
    while n < customers:
        household = f"hh-{len(households):05d}"
        size = 2 if share(rng, "household_size_2") and n + 1 < customers else 1
        first = b.person()
        country = rng.choice(CULTURES[first.culture]["countries"])
        members = [first] + [b.person(first.culture, first.family if rng.random() < 0.7 else None)
                             for _ in range(size - 1)]
        shared = landline(rng, country) if size == 2 and share(rng, "household_phone_on_both_records") else None
        group = []
        for person in members:
            own_country = rng.choice([c for c in ("GB", "FR", "DE", "ES", "PL", "IE", "US") if c != country]) \
                if share(rng, "customer_abroad") else country
            phones = [mobile(rng, own_country)] + ([shared] if shared else [])
            if share(rng, "second_phone"):
                phones.append(mobile(rng, country))
            emails = [b.email(person, n)] if share(rng, "has_email") else []
            customer = Customer(f"c{n:06d}", household, person, country, phones, emails)
            customer.record = {"customer_id": customer.customer_id, "name": person.full, "country": country,
                               "phones": [on_record(rng, p, country) for p in phones], "emails": emails,
                               "social": []}
            if shared:
                situations["household phone on both records"] += 1
            if own_country != country:
                situations["customer abroad (mobile of another country)"] += 1
            group.append(customer)
            b.customers.append(customer)
            n += 1
        households.append(group)

    household_phones = {group[0].household: set(group[0].phones).intersection(*(c.phones for c in group[1:]))
                        if len(group) > 1 else set() for group in households}
    recycled: set[str] = set()
    for customer in b.customers:
        half, person = half_of(customer.household), customer.person
        social: list[dict[str, object]] = customer.record["social"]  # the record's own list
        if share(rng, "whatsapp_user"):
            shared = len(customer.phones) > 1 and customer.phones[1] in household_phones[customer.household]
            account = Account("whatsapp", customer.customer_id, half, b.display(person))
            if shared and share(rng, "whatsapp_from_household_phone"):
                account.phone, account.situation = customer.phones[1], "household phone"
            elif share(rng, "whatsapp_number_not_on_record"):
                account.phone, account.situation = mobile(rng, customer.country), "WhatsApp number not on record"
            elif share(rng, "number_recycled"):
                account.phone, account.situation = mobile(rng, customer.country), "WhatsApp number not on record"
                stranger = b.person()
                b.add(Account("whatsapp", None, half, b.display(stranger), phone=customer.phones[0],
                              situation="recycled number (stranger)"))
                recycled.add(customer.phones[0])
                situations["recycled number"] += 1
            else:
                account.phone = customer.phones[0]
                if share(rng, "relative_on_customers_phone"):
                    relative = b.person(person.culture, person.family if rng.random() < 0.8 else None)
                    while relative.given == person.given:
                        relative = b.person(person.culture, person.family)
                    b.add(Account("whatsapp", None, half, b.display(relative), phone=customer.phones[0],
                                  situation="relative on the customer's phone"))
                    situations["relative on the customer's phone"] += 1
            situations[account.situation] += 1 if account.situation != "ordinary" else 0
            b.add(account)
        if not share(rng, "social_accounts"):
            continue
        for platform in rng.sample(PLATFORMS, rng.choice([1, 1, 2, 2, 3])):
            account = Account(platform, customer.customer_id, half, b.display(person), user_id=b.account_id())
            first_handle = b.handle(platform, person)
            account.handles = [(0, first_handle)]
            known = one_of(rng, {"both": RATES["crm_holds_id_and_handle"], "id": RATES["crm_holds_id_only"],
                                 "handle": RATES["crm_holds_handle_only"],
                                 "none": 1 - RATES["crm_holds_id_and_handle"] - RATES["crm_holds_id_only"]
                                 - RATES["crm_holds_handle_only"]})
            entry: dict[str, object] = {"platform": platform}
            if known in ("both", "id"):
                entry["user_id"], account.record_id = account.user_id, True
            if known in ("both", "handle"):
                entry["handle"] = rng.choice([first_handle, "@" + first_handle, first_handle.title()])
                account.record_handle = first_handle
            if known != "none":
                social.append(entry)
            if share(rng, "account_renamed"):
                renamed_at = rng.randint(posts // 5, posts * 4 // 5)
                account.handles.append((renamed_at, b.handle(platform, person)))
                account.situation = "renamed account"
                situations["renamed account"] += 1
                if account.record_handle and share(rng, "released_handle_taken"):
                    stranger = b.person()
                    taker = b.add(Account(platform, None, half, b.display(stranger), user_id=b.account_id(),
                                          situation="released handle (stranger)"))
                    taker.handles, taker.writes_after = [(renamed_at, first_handle)], renamed_at
                    situations["released handle taken by a stranger"] += 1
            b.add(account)

    strangers = max(1, customers // 2)
    people = [c.person for c in b.customers]
    for s in range(strangers):
        person = rng.choice(people) if share(rng, "stranger_homonym") else b.person()
        platform = rng.choice(("facebook", "instagram", "x", "whatsapp"))
        half = half_of(f"stranger-{s}")
        if platform == "whatsapp":
            b.add(Account("whatsapp", None, half, b.display(person), phone=mobile(rng, rng.choice(["GB", "FR", "US"]))))
        else:
            account = b.add(Account(platform, None, half, b.display(person), user_id=b.account_id()))
            account.handles = [(0, b.handle(platform, person))]

    for customer in b.customers:  # when the CRM last confirmed each number (if it keeps that)
        phones: list[object] = []
        for e164, written in zip(customer.phones, customer.record["phones"], strict=True):
            if not share(rng, "phone_confirmation_date_on_record"):
                phones.append(written)
                continue
            if e164 in recycled:
                low, high = CONFIRMED_DAYS_AGO["recycled"]
            else:
                low, high = CONFIRMED_DAYS_AGO["in_use_old" if share(rng, "in_use_number_confirmed_over_a_year_ago")
                                               else "in_use_recent"]
            day = date(2026, 10, 1) - timedelta(days=rng.randint(low, high))
            phones.append({"number": written, "last_confirmed": day.isoformat()})
        customer.record["phones"] = phones

    by_id = {c.customer_id: c for c in b.customers}
    mine = [a for a in b.accounts if a.owner]
    others = [a for a in b.accounts if not a.owner]
    labelled: list[LabelledPost] = []
    mine_weights = list(itertools.accumulate(a.weight for a in mine))
    others_weights = list(itertools.accumulate(a.weight for a in others))
    for n in range(posts):
        by_customer = rng.random() < RATES["posts_by_customers"]
        account = rng.choices(mine, cum_weights=mine_weights)[0] if by_customer \
            else rng.choices(others, cum_weights=others_weights)[0]
        while account.writes_after > n:  # a released handle is taken only after its owner renamed
            account = rng.choices(others, cum_weights=others_weights)[0]
        is_dm = account.platform == "whatsapp" or rng.random() < RATES["dm_share_social"]
        text, situation, display = rng.choice(["Where is my parcel?", "The app logs me out again.",
                                               "Thanks for the quick help!", "Still no refund for order 5512."]), \
            account.situation, account.display
        coded = False
        if is_dm and account.owner:
            customer = by_id[account.owner]
            roll = rng.random()
            if roll < RATES["dm_with_own_phone"]:
                text += f" Call me on {as_written(rng, customer.phones[0], customer.country)}."
                if phonenumbers.region_code_for_number(phonenumbers.parse(customer.phones[0])) != customer.country:
                    situation = "foreign national number in a DM" if situation == "ordinary" else situation
            elif roll < RATES["dm_with_own_phone"] + RATES["dm_with_own_email"] and customer.emails:
                text += f" My email is {b.written_email(customer.emails[0])}"
                situation = "email written in a DM" if situation == "ordinary" else situation
            elif rng.random() < RATES["dm_with_code"]:
                coded = True
        elif is_dm and rng.random() < RATES["stranger_dm_with_customers_contact"]:
            victim = rng.choice(b.customers)
            display = victim.person.full
            text += f" I'm {victim.person.full}, {as_written(rng, victim.phones[0], victim.country)}."
            situation = "stranger posing as a customer"
        handle = account.handle_at(n)
        author = Author(account.platform, account.user_id, handle, display, account.phone)
        kind = "message" if is_dm else "comment"
        when = f"2026-10-{1 + n * 30 // posts:02d}T12:00:00Z"
        post = CanonicalPost(account.platform, f"q{n}", kind, author, text, when)
        matchable = False
        if account.owner:
            customer = by_id[account.owner]
            matchable = coded or account.record_id or (account.platform == "whatsapp"
                                                       and account.phone in customer.phones)
            if account.record_handle and handle == account.record_handle:
                matchable = True
                account.posted_under_record_handle = True
            elif account.posted_under_record_handle:
                matchable = True  # the account was seen under the handle on record before it renamed
        labelled.append(LabelledPost(post, account.owner, account.half, matchable, situation + (" +code" if coded
                                                                                                   else "")))
    return Population([c.record for c in b.customers], labelled, dict(RATES), situations)
