"""Plain zh/en sentences for criteria and priority reasons, rendered when shown."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from grants.eligibility.inputs import Composition, HouseholdRole


def gettext_noop(message: str) -> str:
    """Mark ``message`` for makemessages (it matches the name) and return it unchanged.

    Django's own ``gettext_noop`` reads settings, which would make these rules unusable
    before Django is configured; assessing never needs translations, only rendering does.
    """
    return message


VERDICTS: dict[bool | None, str] = {
    True: gettext_noop("pass"),
    False: gettext_noop("fail"),
    None: gettext_noop("needs information"),
}
_COMPOSITION_LABELS: dict[str, str] = {
    Composition.ALONE: gettext_noop("lives alone"),
    Composition.COUPLE: gettext_noop("couple only"),
    Composition.OTHER: gettext_noop("lives with others"),
}
_ROLE_LABELS: dict[str, str] = {
    HouseholdRole.CONTRIBUTOR: gettext_noop("contributor"),
    HouseholdRole.OPT_OUT: gettext_noop("opt-out"),
    HouseholdRole.EXEMPT: gettext_noop("exempt"),
}
_YES_NO = {True: gettext_noop("yes"), False: gettext_noop("no")}


def _localise(key: str, value: Any) -> Any:
    """Translate the message parameters that are codes; join lists for the language."""
    separator = "、" if (translation.get_language() or "").startswith("zh") else ", "
    if key == "verdict":
        return gettext(value)
    if key in ("composition", "allowed"):
        labels = value if isinstance(value, list | tuple) else [value]
        return separator.join(gettext(_COMPOSITION_LABELS.get(v, str(v))) for v in labels)
    if key == "role":
        return gettext(_ROLE_LABELS.get(value, str(value)))
    if isinstance(value, bool):
        return gettext(_YES_NO[value])
    if isinstance(value, list | tuple):
        return separator.join(str(v) for v in value)
    return value


def render(message: str, params: Mapping[str, Any], language: str) -> str:
    with translation.override(language):
        values = {key: _localise(key, value) for key, value in params.items()}
        return gettext(message) % values


def yuan(fen: int | Decimal) -> str:
    """1234567 -> '12,345.67'; fractions of a fen are kept ('15,015.005')."""
    amount = Decimal(fen) / 100
    text = f"{amount:,.2f}"
    return text if Decimal(text.replace(",", "")) == amount else f"{amount.normalize():,f}"
