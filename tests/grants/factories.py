"""Grants test data, built through the services so hashes, stages and records are real."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grants import services
from grants.crypto import resident_id_check_char
from grants.models import Person, Project, Unit

_serial = itertools.count(1)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def resident_id(birth: dt.date, area: str = "310101", seq: int | None = None) -> str:
    """A valid 18-character resident ID number for a birth date."""
    seq = next(_serial) % 1000 if seq is None else seq
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


class PersonFactory(factory.Factory):
    """``PersonFactory()`` -> a registered Person with a valid, unique resident ID."""

    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"住户{n}")
    birth_date = dt.date(1950, 5, 17)
    id_number = factory.LazyAttribute(lambda o: resident_id(o.birth_date))
    sex = "F"
    phone = "13812345678"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        return services.person_register(**kwargs)

    _build = _create


def make_project(*, by=None, **overrides) -> Project:  # type: ignore[no-untyped-def]
    n = next(_serial)
    values = {
        "reference": f"T-{n:05d}",
        "city_code": "shanghai",
        "community": "测试新村",
        "building": f"{n}号楼",
        "entrance": "1单元",
        "floors": 6,
        "cost_estimate_minor": 60_000_000,
        "applied_on": dt.date(2025, 3, 1),
    }
    values.update(overrides)
    return services.project_create(by=by, **values)


def make_unit(project, *, floor, area="60.00", label=None, owners=None, by=None, **kw) -> Unit:  # type: ignore[no-untyped-def]
    label = label or f"{floor}{next(_serial):02d}"
    unit = services.unit_create(
        project=project, label=label, floor=floor, exclusive_area=Decimal(area), by=by, **kw
    )
    owners = [PersonFactory()] if owners is None else owners
    if owners:
        services.owner_change(unit=unit, owners=owners, since=dt.date(2000, 1, 1), by=by)
    return unit


def make_building(project, floors=(1, 2, 3, 4, 5, 6), per_floor=2, area="60.00", by=None):  # type: ignore[no-untyped-def]
    """Units on each floor (labels like 101, 102), each with its own owner."""
    return [
        make_unit(project, floor=f, area=area, label=f"{f}{i + 1:02d}", by=by)
        for f in floors
        for i in range(per_floor)
    ]


def pdf(name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def attach(project, *kinds, by=None):  # type: ignore[no-untyped-def]
    return [
        services.document_upload(project=project, kind=k, file=pdf(f"{k}.pdf"), by=by)
        for k in kinds
    ]


def hold_consultation(project, kind, *, choices=None, by=None):  # type: ignore[no-untyped-def]
    """Open a round, record ``choices`` (unit -> choice; default everyone agrees), close it."""
    from grants.selectors import units_in_scope

    consultation = services.consultation_open(project=project, kind=kind, by=by)
    votes = (
        choices if choices is not None else dict.fromkeys(units_in_scope(project=project), "agree")
    )
    for unit, choice in votes.items():
        services.vote_record(
            consultation=consultation,
            unit=unit,
            choice=choice,
            voted_on=consultation.opened_on,
            by=by,
        )
    return services.consultation_close(consultation=consultation, by=by)


def advance(project, to, *, by=None):  # type: ignore[no-untyped-def]
    """Walk a project with units along the default lifecycle up to step ``to``."""
    from grants.models import Project as P

    path = [
        "intent_consultation",
        "plan_consultation",
        "public_notice",
        "approved",
        "contracted",
        "under_construction",
        "delivered",
        "closed",
    ]
    for step in path:
        project.refresh_from_db()
        if project.stage.code == to:
            return project
        if step == "plan_consultation":
            hold_consultation(project, "intent", by=by)
            attach(project, "intent_record", by=by)
        elif step == "public_notice":
            hold_consultation(project, "plan", by=by)
            attach(project, "plan", "cost_split_plan", "plan_record", by=by)
            services.costshare_compute(project=project, by=by, reason="plan agreed")
        elif step == "approved":
            attach(project, "notice_photo", by=by)
            P.objects.filter(pk=project.pk).update(
                notice_started_on=timezone.localdate() - dt.timedelta(days=project.notice_days)
            )
        elif step == "contracted":
            attach(project, "contract", by=by)
        elif step == "under_construction":
            attach(project, "construction_permit", by=by)
        elif step == "delivered":
            attach(project, "acceptance_certificate", by=by)
        elif step == "closed":
            attach(project, "resident_signoff", by=by)
            services.project_update(
                project=project, by=by, changes={"final_cost_minor": project.cost_estimate_minor}
            )
        services.project_transition(project=project, target=step, by=by)
    project.refresh_from_db()
    return project
