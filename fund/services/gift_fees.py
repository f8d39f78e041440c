"""Who bears a gift's processor fee once the gift is given back, in whole or in part.

``gift_record`` releases a gift's kept fee F from restriction, so a restricted fund holds
G - F of a gift of G. When money of that gift goes back to the donor (refunds, dispute
withdrawals), the fund gives back only what it holds of that gift: the share of the fee that
belongs to the money given back, less what the processor returned, is borne by unrestricted
net assets, never by other donors' restricted money.

With R the gift's refunds and withdrawals so far and FR the fees the processor returned with
them (reversed ones left out), the fee released from restriction is::

    S(R, FR) = (F - FR) * (G - R) // G

so S(0, 0) = F (what ``gift_record`` released), S(G, FR) = 0 (a gift given back in full
holds no restricted money), S never grows as R or FR grow and 0 <= S <= F - FR; the gift's
restricted money G - R - S is therefore never negative. Each refund-kind entry, and each
reversal of one (a won dispute), moves ``released now - S(after)`` back into restriction
(Dr 3101 / Cr 3102; Dr 3102 / Cr 3101 when negative). "Released now" is read from the
postings, so after every such entry the release is exactly S of what is left, whatever the
order of refunds, withdrawals and reinstatements, and entries made before this rule are
corrected by the next one. Floor division keeps it in integers: the restricted fund keeps a
fraction of a minor unit rather than giving one away.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, Sum

from fund.models import AccountCode, EntryKind, JournalEntry, LedgerAccount, Posting
from fund.money import Money
from fund.services.ledger import Line

REFUND_KINDS = (EntryKind.REFUND, EntryKind.DISPUTE_WITHDRAWAL)


def fee_released(*, gift: int, fee: int, refunded: int, fee_returned: int) -> int:
    """S(R, FR): how much of a gift's fee stays released from restriction.

    >>> fee_released(gift=20000, fee=700, refunded=0, fee_returned=0)
    700
    >>> fee_released(gift=20000, fee=700, refunded=5000, fee_returned=0)
    525
    >>> fee_released(gift=20000, fee=700, refunded=20000, fee_returned=0)
    0
    """
    return (fee - fee_returned) * (gift - refunded) // gift


def active_refunds(gift: JournalEntry) -> list[JournalEntry]:
    """Refunds and dispute withdrawals of ``gift`` that have not been reversed."""
    return list(
        JournalEntry.objects.filter(
            refers_to=gift, kind__in=REFUND_KINDS, reversed_by__isnull=True
        ).order_by("number")
    )


@dataclass(frozen=True)
class GiftState:
    """One gift and what has gone back of it so far (minor units of the fund's currency)."""

    amount: int  # G, the contribution credited
    fee: int  # F, the fee kept on the gift
    refunded: int  # R, refunds and withdrawals not reversed
    fee_returned: int  # FR, fees the processor returned with them
    released: int  # fee released from restriction now, from the postings

    def move_back(self, *, refunded: int, fee_returned: int) -> int:
        """What to move back into restriction when R and FR become these (negative: release)."""
        return self.released - fee_released(
            gift=self.amount, fee=self.fee, refunded=refunded, fee_returned=fee_returned
        )


def gift_state(gift: JournalEntry) -> GiftState:
    """Read ``gift`` and its refunds so far in one query. Call it under the fund's balance
    locks, so that they cannot change before the entry built from it is posted."""
    own = Q(entry=gift)
    active = Q(entry__refers_to=gift, entry__kind__in=REFUND_KINDS, entry__reversed_by__isnull=True)
    contributions = Q(account__code=AccountCode.CONTRIBUTIONS)
    fees = Q(account__code=AccountCode.PROCESSOR_FEES)
    sums = Posting.objects.filter(
        own | Q(entry__refers_to=gift) | Q(entry__reverses__refers_to=gift)
    ).aggregate(
        amount=Sum("credit_minor", default=0, filter=own & contributions),
        fee=Sum("debit_minor", default=0, filter=own & fees),
        refunded=Sum("debit_minor", default=0, filter=active & contributions),
        fee_returned=Sum("credit_minor", default=0, filter=active & fees),
        # Every entry of the gift's story counts here, reversals included: a reversal's
        # move need not mirror its original's.
        released=Sum(
            F("debit_minor") - F("credit_minor"),
            default=0,
            filter=Q(account__code=AccountCode.NET_ASSETS_RESTRICTED),
        ),
    )
    return GiftState(**sums)


def restriction_lines(accounts: dict[str, LedgerAccount], move: int, currency: str) -> list[Line]:
    """Lines moving ``move`` from unrestricted into restricted net assets (back if negative)."""
    unrestricted = accounts[AccountCode.NET_ASSETS_UNRESTRICTED]
    restricted = accounts[AccountCode.NET_ASSETS_RESTRICTED]
    if move > 0:
        amount = Money(move, currency)
        return [Line(unrestricted, debit=amount), Line(restricted, credit=amount)]
    if move < 0:
        amount = Money(-move, currency)
        return [Line(restricted, debit=amount), Line(unrestricted, credit=amount)]
    return []
