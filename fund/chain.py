"""Tamper evidence: each entry's SHA-256 covers its canonical content and the previous hash.

The canonical content is a JSON document with sorted keys and no insignificant whitespace,
built only from values stored in the database, so ``ledger_verify`` (or an auditor with an
export and ten lines of any language) can recompute every hash. Postings are sorted, so the
hash does not depend on the order rows were inserted. Accounts are named by fund code and
account code, which are what a reader of the journal sees; both are fixed at creation.

>>> content = CanonicalEntry(
...     number=1, prev_hash="0" * 64, effective_date=date(2026, 1, 5), kind="gift", memo="",
...     idempotency_key="k", reverses=None, refers_to=None, basis_kind="", basis_reference="",
...     created_by=None, created_at=datetime(2026, 1, 5, tzinfo=UTC),
...     postings=(("elevator", "bank", "CNY", 100, 0),
...               ("elevator", "contributions", "CNY", 0, 100)),
... )
>>> len(content.digest())
64
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

# (fund code, account code, currency, debit minor, credit minor)
PostingKey = tuple[str, str, str, int, int]


@dataclass(frozen=True)
class CanonicalEntry:
    number: int
    prev_hash: str
    effective_date: date
    kind: str
    memo: str
    idempotency_key: str
    reverses: int | None  # entry number
    refers_to: int | None  # entry number
    basis_kind: str
    basis_reference: str
    created_by: int | None  # user id
    created_at: datetime
    postings: tuple[PostingKey, ...]

    def document(self) -> bytes:
        body = {
            "v": 1,
            "number": self.number,
            "prev_hash": self.prev_hash,
            "effective_date": self.effective_date.isoformat(),
            "kind": self.kind,
            "memo": self.memo,
            "idempotency_key": self.idempotency_key,
            "reverses": self.reverses,
            "refers_to": self.refers_to,
            "basis_kind": self.basis_kind,
            "basis_reference": self.basis_reference,
            "created_by": self.created_by,
            # Microseconds in UTC: what both PostgreSQL and SQLite store and give back.
            "created_at": self.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "postings": [list(p) for p in sorted(self.postings)],
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def digest(self) -> str:
        return hashlib.sha256(self.document()).hexdigest()
