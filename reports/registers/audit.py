"""Audit-trail registers: every change of the period (who, when, what, from where) and every
view of sensitive personal data."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from reports.history import historical_models
from reports.models import HistoryOrigin, SensitiveAccessLog, SensitiveOutcome
from reports.registry import Column, Kind, ListRows, Params, ReportResult, Row, Viewer, report

AUDIT = _("Audit trail")
MASK = "***"

# Values never shown to viewers who see personal data masked (field names still are).
PERSONAL_FIELDS = frozenset(
    {
        "full_name",
        "id_number",
        "id_number_hash",
        "phone",
        "birth_date",
        "email",
        "donor_name",
        "dedication",
        "name",
        "holder_name",
        "note",
        "evidence_note",
    }
)
PERSONAL_MODELS = frozenset({"grants.person", "donors.donor"})
ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
TEXT_LIMIT = 80


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def changes_described(
    history_model: Any, record: Any, previous: Any | None, *, masked: bool
) -> str:
    """``field: old → new; ...`` for a change, ``field=value; ...`` for a creation."""
    source = history_model.instance_type._meta
    personal_model = source.label_lower in PERSONAL_MODELS
    parts = []
    for f in history_model.tracked_fields:
        name = f.attname
        new = getattr(record, name)
        hide = masked and (personal_model or f.name in PERSONAL_FIELDS)
        if previous is None:
            if record.history_type == "+" and new not in (None, ""):
                parts.append(f"{f.name}={MASK if hide else _short(new)}")
            continue
        old = getattr(previous, name)
        if old != new:
            if hide:
                parts.append(f"{f.name}: {MASK}")
            else:
                parts.append(f"{f.name}: {_short(old)} → {_short(new)}")
    return "; ".join(parts)


@report(
    "audit_trail",
    title=_("Audit trail of changes"),
    description=_(
        "Every change to a domain record in the period: when, who, what changed (old → new) "
        "and from where (IP address and request). Ledger entries are immutable and "
        "hash-chained and so are not listed here."
    ),
    permissions=["reports.view_historyorigin"],
    large=True,
    group=AUDIT,
    order=100,
)
def audit_trail_report(params: Params, viewer: Viewer) -> ReportResult:
    start, end = params.bounds()
    collected: list[tuple[Any, Any, Any, Any]] = []
    for history_model in historical_models():
        in_period = list(
            history_model.objects.filter(history_date__gte=start, history_date__lt=end)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        if not in_period:
            continue
        ids = {r.id for r in in_period}
        previous_of: dict[int, Any] = {}
        last_seen: dict[Any, Any] = {}
        # The whole history of the objects changed, oldest first, to diff each record with
        # the one before it (one query per table).
        for r in history_model.objects.filter(id__in=ids, history_date__lt=end).order_by(
            "history_date", "history_id"
        ):
            previous_of[r.history_id] = last_seen.get(r.id)
            last_seen[r.id] = r
        for r in in_period:
            collected.append((r.history_date, history_model, r, previous_of.get(r.history_id)))
    collected.sort(key=lambda item: (item[0], item[1]._meta.label, item[2].history_id))

    origins: dict[tuple[int, int], HistoryOrigin] = {}
    by_table: dict[int, list[int]] = defaultdict(list)
    content_types = {m: ContentType.objects.get_for_model(m) for _w, m, _r, _p in collected}
    for _when, history_model, r, _prev in collected:
        by_table[content_types[history_model].pk].append(r.history_id)
    for ct_id, history_ids in by_table.items():
        for o in HistoryOrigin.objects.filter(content_type_id=ct_id, history_id__in=history_ids):
            origins[(ct_id, o.history_id)] = o

    rows: list[Row] = []
    for when, history_model, r, previous in collected:
        origin = origins.get((content_types[history_model].pk, r.history_id))
        user = r.history_user
        rows.append(
            (
                when,
                str(history_model.instance_type._meta.verbose_name),
                str(r.id),
                str(ACTIONS.get(r.history_type, r.history_type)),
                user.get_username() if user else "",
                changes_described(history_model, r, previous, masked=viewer.masked),
                r.history_change_reason or "",
                origin.ip_address if origin else None,
                (f"{origin.method} {origin.path}".strip() or origin.source) if origin else "",
                str(origin.request_id)[:8] if origin and origin.request_id else "",
            )
        )
    return ReportResult(
        columns=[
            Column("at", _("at"), Kind.DATETIME),
            Column("record", _("record")),
            Column("record_id", _("id")),
            Column("action", _("action")),
            Column("user", _("user")),
            Column("changes", _("what changed")),
            Column("reason", _("reason")),
            Column("ip", _("IP address")),
            Column("where", _("from")),
            Column("request", _("request")),
        ],
        rows=ListRows(rows),
        facts=[(_("changes"), len(rows))],
    )


@report(
    "sensitive_access",
    title=_("Sensitive personal data access log"),
    description=_(
        "Every view of health, disability or income data in the period: who, when, whose, "
        "whether it was shown, masked or refused, and from where."
    ),
    permissions=["reports.view_sensitiveaccesslog"],
    large=True,
    group=AUDIT,
    order=110,
)
def sensitive_access_report(params: Params, viewer: Viewer) -> ReportResult:
    start, end = params.bounds()
    outcomes = dict(SensitiveOutcome.choices)
    entries = (
        SensitiveAccessLog.objects.filter(at__gte=start, at__lt=end)
        .select_related("user")
        .order_by("at", "id")
    )
    rows: list[Row] = [
        (
            e.at,
            e.user.get_username() if e.user else "",
            e.person_id,
            e.subject,
            str(outcomes.get(e.outcome, e.outcome)),
            e.channel,
            e.ip_address,
            e.path,
        )
        for e in entries
    ]
    return ReportResult(
        columns=[
            Column("at", _("at"), Kind.DATETIME),
            Column("user", _("user")),
            Column("person", _("person"), Kind.INT),
            Column("subject", _("what")),
            Column("outcome", _("outcome")),
            Column("channel", _("channel")),
            Column("ip", _("IP address")),
            Column("path", _("path")),
        ],
        rows=ListRows(rows),
        facts=[(_("views"), len(rows))],
    )
