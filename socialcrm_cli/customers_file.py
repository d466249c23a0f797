"""A CRM export read as CustomerSyncFunction records: CSV with the documented header, or JSON Lines.

CSV header (docs/operations.md): customer_id,name,phones,emails,social,segment,country,city,returning.
Only customer_id is required; columns may come in any order and may be left out. `phones`, `emails` and
`social` hold several entries separated by ';'. A social entry is `platform:user_id`, `platform:@handle` or
`platform:user_id@handle`. `returning` is true or false. JSON Lines: one record per line, exactly as
CustomerSyncFunction takes it (docs/deploy.md). Problems with one row reject that row only; a file that cannot
be read as a whole (no customer_id column, an unknown column, bytes that are not UTF-8) is a FileProblem.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from socialcrm_cli.errors import CliError

CSV_COLUMNS = ("customer_id", "name", "phones", "emails", "social", "segment", "country", "city", "returning")
LIST_SEPARATOR = ";"
MAX_RECORD_BYTES = 20_000  # 200 of them stay well under Lambda's 6 MB request payload
TRUE, FALSE = frozenset({"true", "yes", "1"}), frozenset({"false", "no", "0", ""})
Format = Literal["csv", "jsonl"]


class FileProblem(CliError):
    """The file cannot be imported at all: nothing was sent."""


@dataclass
class Row:
    """One data row: the record to send, or why it cannot be sent; `warnings` are entries left out locally."""

    line: int
    record: dict[str, Any] | None = None
    error: str | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (field, problem)


def file_format(path: Path, given: str | None = None) -> Format:
    if given == "csv":
        return "csv"
    if given == "jsonl":
        return "jsonl"
    if given is not None:
        raise FileProblem(f"unknown format {given!r}: csv or jsonl", code=2)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise FileProblem(f"{path.name}: cannot tell the format from the name; use --format csv or --format jsonl",
                      code=2)


def fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes: a resumed import must read the very same file."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_rows(path: Path, kind: Format) -> Iterator[Row]:
    if not path.is_file():
        raise FileProblem(f"{path}: no such file", code=2)
    try:
        if kind == "csv":
            yield from _csv_rows(path)
        else:
            yield from _jsonl_rows(path)
    except UnicodeDecodeError as error:
        raise FileProblem(f"{path.name}: not UTF-8 text ({error.reason} at byte {error.start})") from error
    except csv.Error as error:
        raise FileProblem(f"{path.name}: not a readable CSV file ({error})") from error


def count_rows(path: Path, kind: Format) -> int:
    return sum(1 for _ in read_rows(path, kind))


def _checked(record: dict[str, Any], row: Row) -> Row:
    if len(json.dumps(record, ensure_ascii=False).encode()) > MAX_RECORD_BYTES:
        row.error = f"record is larger than {MAX_RECORD_BYTES:,} bytes"
    else:
        row.record = record
    return row


def _jsonl_rows(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig") as source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            row = Row(number)
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                row.error = f"not JSON: {error.msg} at column {error.colno}"
                yield row
                continue
            if not isinstance(record, dict):
                row.error = "must be a JSON object"
                yield row
                continue
            yield _checked(record, row)


def _csv_rows(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig", newline="") as source:
        reader = csv.DictReader(source)
        header = [name.strip() for name in (reader.fieldnames or [])]
        if not header:
            raise FileProblem(f"{path.name}: empty file (the first line must be the header)")
        unknown = [name for name in header if name not in CSV_COLUMNS]
        if unknown:
            raise FileProblem(f"{path.name}: unknown column(s) {', '.join(map(repr, unknown))}; the header may use "
                              f"{', '.join(CSV_COLUMNS)}")
        if "customer_id" not in header:
            raise FileProblem(f"{path.name}: the header has no customer_id column")
        reader.fieldnames = header
        for cells in reader:
            row = Row(reader.line_num)
            if None in cells:
                row.error = "has more cells than the header"
                yield row
                continue
            yield from _csv_record(cells, row)


def _entries(text: str | None) -> list[str]:
    return [entry.strip() for entry in (text or "").split(LIST_SEPARATOR) if entry.strip()]


def social_entry(text: str) -> dict[str, str] | None:
    """`platform:user_id`, `platform:@handle` or `platform:user_id@handle`; None when it is none of them."""
    platform, colon, rest = text.partition(":")
    if not colon or not platform.strip() or not rest.strip():
        return None
    user_id, at, handle = rest.rpartition("@")
    entry = {"platform": platform.strip().lower()}
    if not at:
        entry["user_id"] = rest.strip()
        return entry
    if not handle.strip():
        return None
    entry["handle"] = "@" + handle.strip()
    if user_id.strip():
        entry["user_id"] = user_id.strip()
    return entry


def _csv_record(cells: dict[str | None, str | None], row: Row) -> Iterator[Row]:
    record: dict[str, Any] = {}
    for name in ("customer_id", "name", "segment", "country", "city"):
        value = (cells.get(name) or "").strip()
        if value:
            record[name] = value
    for name in ("phones", "emails"):
        entries = _entries(cells.get(name))
        if entries:
            record[name] = entries
    social = []
    for index, text in enumerate(_entries(cells.get("social"))):
        entry = social_entry(text)
        if entry is None:
            row.warnings.append((f"social[{index}]", "must be platform:user_id, platform:@handle or "
                                                     "platform:user_id@handle; dropped"))
        else:
            social.append(entry)
    if social:
        record["social"] = social
    returning = (cells.get("returning") or "").strip().lower()
    if returning not in TRUE | FALSE:
        row.error = "returning: must be true or false"
        yield row
        return
    if returning in TRUE:
        record["returning"] = True
    yield _checked(record, row)


# -- generated rows, for a rehearsal and `make import-bench` -----------------------------------------

FIRST = ("Ada", "Grace", "Alan", "Katherine", "Dorothy", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret",
         "Tim", "Radia", "Ken", "Hedy", "Claude", "Annie", "Niklaus", "Sophie", "Linus")
LAST = ("Lovelace", "Hopper", "Turing", "Johnson", "Vaughan", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus",
        "Hamilton", "Berners-Lee", "Perlman", "Thompson", "Lamarr", "Shannon", "Easley", "Wirth", "Wilson", "Torvalds")
SEGMENTS = ("gold", "silver", "standard")


def generate_csv(path: Path, rows: int, seed: int = 7) -> dict[str, int]:
    """`rows` customers with unique phones, emails and accounts; about 1 in 100 has an unusable phone (a warning)
    and 1 in 1,000 a three-letter country (rejected). Returns what the file holds."""
    chooser = random.Random(seed)  # noqa: S311 (made-up test data, not a secret)
    made = {"rows": 0, "bad_phones": 0, "bad_countries": 0}
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(CSV_COLUMNS)
        for n in range(1, rows + 1):
            if n >= 10_000_000:
                raise CliError("at most 9,999,999 generated rows", code=2)
            first, last = chooser.choice(FIRST), chooser.choice(LAST)
            phones = [f"0740{n // 1_000_000} {n % 1_000_000:06d}"]  # unique up to 10 million rows
            if chooser.random() < 0.01:
                phones.append("12345")
                made["bad_phones"] += 1
            social = [f"facebook:{6_200_000_000 + n}"]
            if n % 3 == 0:
                social.append(f"instagram:@{first.lower()}.{last.lower()}.{n}")
            country = "GB"
            if chooser.random() < 0.001:
                country = "GBR"
                made["bad_countries"] += 1
            writer.writerow([f"gen-{n:07d}", f"{first} {last}", LIST_SEPARATOR.join(phones),
                             f"{first.lower()}.{last.lower()}.{n}@example.com", LIST_SEPARATOR.join(social),
                             chooser.choice(SEGMENTS), country, "", ""])
            made["rows"] += 1
    return made
