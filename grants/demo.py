"""Demo project files for development (``manage.py seed_demo``). Idempotent: a project whose
file number exists is left as it is, and people are found again by their ID numbers.

Four lifts at different stages: Shanghai under construction (one opt-out, one volunteer extra
payment), Beijing whose plan consultation failed, Hangzhou in its intent consultation (shops
on the ground floor, out of the vote), Chongqing just proposed. Every unit has a household;
many are elderly (born 1930s-1950s): alone, with a spouse, or with younger co-residents.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from grants import services
from grants.crypto import resident_id_check_char
from grants.models import Project, Unit
from grants.selectors import units_in_scope
from grants.sensitive import HealthData, IncomeData, IncomeStatus

PDF = b"%PDF-1.4\n% Liftfund demo document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_OLD = [
    "秀英",
    "桂兰",
    "玉兰",
    "淑珍",
    "凤英",
    "建国",
    "德明",
    "国华",
    "福生",
    "志刚",
    "金宝",
    "阿娣",
]
GIVEN_YOUNG = ["晓明", "丽华", "伟", "敏", "静", "磊", "婷", "浩然", "欣怡", "子涵"]


@dataclass(frozen=True)
class DemoProject:
    reference: str
    city: str
    area_code: str
    district: str
    community: str
    building: str
    entrance: str
    floors: int
    stage: str
    method: str = "floors_ridden"
    shops: bool = False


PROJECTS = [
    DemoProject(
        "SH-PT-2025-001",
        "shanghai",
        "310107",
        "普陀区",
        "曹杨新村",
        "12号楼",
        "2单元",
        6,
        "under_construction",
    ),
    DemoProject(
        "BJ-HD-2025-002",
        "beijing",
        "110108",
        "海淀区",
        "学院路小区",
        "5号楼",
        "1单元",
        6,
        "plan_failed",
    ),
    DemoProject(
        "HZ-XH-2025-003",
        "hangzhou",
        "330106",
        "西湖区",
        "翠苑一区",
        "8号楼",
        "3单元",
        5,
        "intent_consultation",
        shops=True,
    ),
    DemoProject(
        "CQ-YZ-2025-004",
        "chongqing",
        "500103",
        "渝中区",
        "大坪小区",
        "3号楼",
        "1单元",
        7,
        "proposed",
        method="floor_coefficient_area",
    ),
]


class _People:
    """Deterministic people with valid resident IDs, per project."""

    def __init__(self, spec: DemoProject) -> None:
        self.spec = spec
        self.rng = random.Random(spec.reference)  # noqa: S311 - reproducible demo data
        self.serial = 0

    def person(
        self, birth: dt.date, *, sex: str, young: bool = False, surname: str | None = None
    ) -> Any:
        self.serial += 1
        # Sequence digit parity encodes sex in a resident ID (odd: male).
        seq = self.serial * 2 + (1 if sex == "M" else 0)
        first17 = f"{self.spec.area_code}{birth:%Y%m%d}{seq % 1000:03d}"
        name = (surname or self.rng.choice(SURNAMES)) + self.rng.choice(
            GIVEN_YOUNG if young else GIVEN_OLD
        )
        return services.person_register(
            full_name=name,
            id_number=first17 + resident_id_check_char(first17),
            sex=sex,
            phone=f"139{self.rng.randrange(10**8):08d}",
        )

    def birth(self, start: int, end: int) -> dt.date:
        return dt.date(
            self.rng.randint(start, end), self.rng.randint(1, 12), self.rng.randint(1, 28)
        )


def _household(unit: Unit, people: _People, pattern: str, by: Any) -> tuple[Any, list[Any]]:
    """Create the unit's household after a pattern; returns (household, occupants' people)."""
    since = dt.date(people.rng.randint(1985, 2005), 1, 1)
    household = services.household_create(unit=unit, since=since, by=by)
    surname = people.rng.choice(SURNAMES)
    members: list[tuple[Any, str]] = []
    if pattern == "alone":
        members.append((people.person(people.birth(1930, 1944), sex="F", surname=surname), "self"))
    elif pattern == "couple":
        members.append((people.person(people.birth(1936, 1950), sex="M", surname=surname), "self"))
        members.append((people.person(people.birth(1938, 1952), sex="F"), "spouse"))
    elif pattern == "with_child":
        members.append((people.person(people.birth(1935, 1948), sex="F", surname=surname), "self"))
        members.append(
            (people.person(people.birth(1968, 1980), sex="M", young=True, surname=surname), "child")
        )
    else:  # a young family
        members.append(
            (people.person(people.birth(1980, 1992), sex="M", young=True, surname=surname), "self")
        )
        members.append((people.person(people.birth(1982, 1994), sex="F", young=True), "spouse"))
        members.append(
            (people.person(people.birth(2012, 2018), sex="F", young=True, surname=surname), "child")
        )
    for person, relationship in members:
        services.occupant_add(
            household=household, person=person, relationship=relationship, since=since, by=by
        )
    return household, [p for p, _r in members]


PATTERNS = ["alone", "couple", "with_child", "family", "couple", "alone"]


def _document(project: Project, kind: str, by: Any) -> None:
    upload = SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf")
    services.document_upload(project=project, kind=kind, file=upload, by=by, title=f"{kind}.pdf")


def _consult(project: Project, kind: str, opposed: set[str], by: Any) -> None:
    consultation = services.consultation_open(project=project, kind=kind, by=by)
    for unit in units_in_scope(project=project).order_by("floor", "label"):
        choice = "oppose" if unit.label in opposed else "agree"
        services.vote_record(
            consultation=consultation,
            unit=unit,
            choice=choice,
            voted_on=consultation.opened_on,
            evidence_note="入户签字",
            by=by,
        )
    services.consultation_close(consultation=consultation, by=by)


def _build(spec: DemoProject, by: Any) -> Project:
    people = _People(spec)
    project = services.project_create(
        reference=spec.reference,
        city_code=spec.city,
        district=spec.district,
        community=spec.community,
        building=spec.building,
        entrance=spec.entrance,
        floors=spec.floors,
        cost_estimate_minor=people.rng.choice([52, 58, 61, 66]) * 1_000_000,
        ground_floor_shops=spec.shops,
        pipeline_relocation=spec.city == "hangzhou",
        cost_split_method=spec.method,
        opt_out_fee_minor=200_000 if spec.city == "shanghai" else 0,
        by=by,
    )
    units: list[Unit] = []
    for floor in range(1, spec.floors + 1):
        for door in (1, 2):
            shop = spec.shops and floor == 1
            area = f"{people.rng.choice([52, 56, 61, 68, 74])}.{people.rng.randrange(100):02d}"
            unit = services.unit_create(
                project=project,
                label=f"{floor}0{door}",
                floor=floor,
                exclusive_area=area,
                is_shop=shop,
                by=by,
            )
            if shop:
                owner = services.person_register(full_name=f"{spec.community}商铺{door}号业主")
                services.owner_change(unit=unit, owners=[owner], since=dt.date(1998, 1, 1), by=by)
                services.unit_cost_role_set(unit=unit, role="exempt", by=by)
            else:
                household, members = _household(unit, people, PATTERNS[len(units) % 6], by)
                services.owner_change(unit=unit, owners=[members[0]], since=household.since, by=by)
                if floor == 1:
                    services.unit_cost_role_set(unit=unit, role="exempt", by=by)
            units.append(unit)
    if spec.method == "floor_coefficient_area":
        services.floor_coefficients_set(
            project=project,
            coefficients={f: Decimal(max(f - 1, 0)) / 4 for f in range(1, spec.floors + 1)},
            by=by,
        )
    leads = [o.person for u in units[2:5] if (o := u.ownerships.first()) is not None]
    services.project_lead_residents_set(project=project, people=leads, by=by)
    _sensitive(units, by)
    _advance(project, spec, units, by)
    return project


def _sensitive(units: list[Unit], by: Any) -> None:
    """Two elderly people with consented sensitive data, for the eligibility screening."""
    top = units[-1].ownerships.first()
    if top is not None:
        person = top.person
        services.sensitive_consent_record(
            person=person,
            kind="health",
            given_on=dt.date(2025, 3, 1),
            evidence_note="签字同意书",
            by=by,
        )
        services.sensitive_data_write(
            person=person,
            kind="health",
            data=HealthData(cannot_use_stairs=True, notes="膝关节置换"),
            by=by,
        )
    low = units[-3].ownerships.first()
    if low is not None:
        services.sensitive_consent_record(
            person=low.person,
            kind="income",
            given_on=dt.date(2025, 3, 1),
            evidence_note="签字同意书",
            by=by,
        )
        services.sensitive_data_write(
            person=low.person, kind="income", data=IncomeData(status=IncomeStatus.DIBAO), by=by
        )


def _advance(project: Project, spec: DemoProject, units: list[Unit], by: Any) -> None:
    if spec.stage == "proposed":
        return
    services.project_transition(
        project=project, target="intent_consultation", by=by, reason="居民申请"
    )
    if spec.stage == "intent_consultation":
        consultation = services.consultation_open(project=project, kind="intent", by=by)
        for unit in units_in_scope(project=project).order_by("floor", "label")[:4]:
            services.vote_record(
                consultation=consultation,
                unit=unit,
                choice="agree",
                voted_on=consultation.opened_on,
                by=by,
            )
        return
    _consult(project, "intent", {"101"}, by)
    _document(project, "intent_record", by)
    services.project_transition(project=project, target="plan_consultation", by=by)
    if spec.stage == "plan_failed":
        # Ground and first floors object to the plan: 5 of 12 oppose -> consent not reached.
        _consult(project, "plan", {"101", "102", "201", "202", "301"}, by)
        return
    services.unit_cost_role_set(unit=units[5], role="opt_out", by=by)  # 302: 不出资不使用
    services.volunteer_payment_record(
        unit=units[-1],
        amount_minor=300_000,
        recorded_on=timezone.localdate(),
        note="自愿多出",
        by=by,
    )
    services.costshare_compute(project=project, by=by, reason="方案征询稿")
    _consult(project, "plan", {"102"}, by)
    for kind in ("plan", "cost_split_plan", "plan_record"):
        _document(project, kind, by)
    services.project_transition(project=project, target="public_notice", by=by)
    _document(project, "notice_photo", by)
    # Demo only: the notice was posted long enough ago.
    Project.objects.filter(pk=project.pk).update(
        notice_started_on=timezone.localdate() - dt.timedelta(days=project.notice_days + 3)
    )
    services.project_transition(project=project, target="approved", by=by, reason="公示无异议")
    _document(project, "contract", by)
    services.project_update(
        project=project, by=by, changes={"contractor": "上海某电梯工程有限公司"}
    )
    services.project_transition(project=project, target="contracted", by=by)
    _document(project, "construction_permit", by)
    services.project_transition(project=project, target="under_construction", by=by)


@transaction.atomic
def seed(*, users: dict[str, Any]) -> str:
    by = users.get("caseworker")
    created = []
    for spec in PROJECTS:
        if Project.objects.filter(reference=spec.reference).exists():
            continue
        created.append(_build(spec, by).reference)
    stages = ", ".join(
        f"{p.reference} {p.stage.code}"
        for p in Project.objects.filter(reference__in=[s.reference for s in PROJECTS]).order_by(
            "reference"
        )
    )
    eligibility = _seed_eligibility(users)
    return f"{len(created)} new project(s); {stages}; {eligibility}; {_seed_disbursements(users)}"


# --- eligibility and awards (issue 7) ------------------------------------------------------

# Households of the demo projects left without the personal-data consent: "needs information".
NO_CONSENT_UNITS = {"SH-PT-2025-001": {"401"}}
DEMO_FUND = "elevator"


def _seed_eligibility(users: dict[str, Any]) -> str:
    """Consents, one screening of every demo household (outcomes mixed: eligible, not
    eligible, needs information) and awards in several states. Idempotent: a household
    with a current decision is not screened again, one with an award gets no other."""
    from fund.models import Fund
    from grants.exceptions import GrantsError
    from grants.models import Assessment, Award
    from grants.selectors import households_current
    from grants.services.eligibility import household_consent_record, household_screen

    by = users.get("caseworker")
    projects = Project.objects.filter(reference__in=[p.reference for p in PROJECTS])
    for household in households_current().filter(unit__project__in=projects):
        project = household.unit.project
        if household.unit.label not in NO_CONSENT_UNITS.get(project.reference, set()):
            household_consent_record(household=household, given_on=dt.date(2025, 3, 1), by=by)
        if not Assessment.objects.filter(household=household, stale=False).exists():
            household_screen(household=household, project=project, by=by)
    fund = Fund.objects.filter(code=DEMO_FUND).first()
    eligible = list(
        Assessment.objects.filter(project__in=projects, stale=False, outcome="eligible").order_by(
            "-household__unit__floor", "household__unit__label"
        )
    )
    approver, approver2 = users.get("approver"), users.get("approver2")
    if (
        fund is not None
        and by is not None
        and approver is not None
        and approver2 is not None
        and not Award.objects.filter(project__in=projects).exists()
    ):
        # proposed / approved / committed / cancelled, top floors first.
        plan = ["committed", "approved", "proposed", "cancelled"]
        for assessment, state in zip(eligible, plan, strict=False):
            try:
                award = services.award_propose(
                    household=assessment.household,
                    project=assessment.project,
                    fund=fund,
                    by=by,
                )
                if state in ("approved", "committed"):
                    services.award_approve(award=award, by=approver)
                if state == "committed":
                    services.award_commit(award=award, by=approver2)
                if state == "cancelled":
                    services.award_cancel(award=award, by=approver, reason="住户已迁出")
            except GrantsError:
                continue
    outcomes = {
        o: Assessment.objects.filter(project__in=projects, stale=False, outcome=o).count()
        for o in ("eligible", "not_eligible", "needs_information")
    }
    awards = ", ".join(
        f"{state} {Award.objects.filter(project__in=projects, state=state).count()}"
        for state in ("proposed", "approved", "committed", "cancelled")
    )
    return (
        f"screened: {outcomes['eligible']} eligible, {outcomes['not_eligible']} not eligible, "
        f"{outcomes['needs_information']} need information; awards: {awards}"
    )


# --- tranches and disbursements (issue 8) --------------------------------------------------

DISBURSEMENT_PROJECT = "SH-PT-2025-001"
DEMO_TEMPLATE = (
    "demo-staged",
    "演示：签约两期、施工、验收",
    "Demo: two at contract, construction, acceptance",
    # position, share (basis points), milestone, evidence
    [
        (1, 2000, "contracted", ["contract", "invoice"]),
        (2, 2000, "contracted", ["contract", "invoice"]),
        (3, 3000, "under_construction", ["construction_permit", "invoice"]),
        (4, 3000, "delivered", ["acceptance_certificate", "invoice", "resident_signoff"]),
    ],
)


def _seed_disbursements(users: dict[str, Any]) -> str:
    """A tranche plan for the Shanghai lift (under construction) and disbursements in every
    state: tranche 1 paid then returned and asked for again (requested), tranche 2 paid,
    tranche 3 rejected, cancelled and approved; tranche 4 waits for acceptance. Idempotent:
    a project that already has a plan is left as it is."""
    from grants.models import Award, AwardState, Disbursement

    finance, approver = users.get("finance"), users.get("approver")
    project = Project.objects.filter(reference=DISBURSEMENT_PROJECT).first()
    if (
        project is not None
        and finance is not None
        and approver is not None
        and not project.tranches.exists()
        and Award.objects.filter(project=project, state=AwardState.COMMITTED).exists()
    ):
        _disbursements_create(project, finance, approver)
    counts = {
        status: Disbursement.objects.filter(
            project__reference=DISBURSEMENT_PROJECT, status=status
        ).count()
        for status in ("requested", "approved", "paid", "rejected", "cancelled", "returned")
    }
    return "disbursements: " + ", ".join(f"{k} {v}" for k, v in counts.items())


def _disbursements_create(project: Project, finance: Any, approver: Any) -> None:
    from grants.exceptions import GrantsError
    from grants.models import TrancheTemplate, TrancheTemplateLine
    from grants.services import disbursements as pay

    code, name_zh, name_en, lines = DEMO_TEMPLATE
    template, _created = TrancheTemplate.objects.get_or_create(
        code=code, defaults={"name_zh": name_zh, "name_en": name_en}
    )
    for position, share, milestone, kinds in lines:
        TrancheTemplateLine.objects.get_or_create(
            template=template,
            position=position,
            defaults={"share_bp": share, "milestone": milestone, "evidence_kinds": kinds},
        )
    tranches = pay.tranche_plan_create(project=project, by=finance, template=template)
    today = timezone.localdate()

    def ask(position: int, note: str) -> Any:
        tranche = tranches[position - 1]
        kinds = [k for k in tranche.evidence_kinds if k != "invoice"]
        upload = SimpleUploadedFile(f"invoice-{position}.pdf", PDF, content_type="application/pdf")
        return pay.disbursement_request(
            tranche=tranche,
            by=finance,
            note=note,
            documents=list(project.documents.filter(kind__in=kinds)),
            uploads={"invoice": upload},
        )

    try:
        first = pay.disbursement_approve(disbursement=ask(1, "首期款"), by=approver)
        pay.disbursement_pay(
            disbursement=first,
            by=finance,
            bank_reference="ICBC-DEMO-0001",
            paid_on=today - dt.timedelta(days=40),
        )
        pay.disbursement_return(
            disbursement=first,
            by=finance,
            returned_on=today - dt.timedelta(days=37),
            reason="收款账户已销户，银行退回",
        )
        ask(1, "首期款（重新提交，新收款账户）")
        second = pay.disbursement_approve(disbursement=ask(2, "第二期"), by=approver)
        pay.disbursement_pay(
            disbursement=second,
            by=finance,
            bank_reference="ICBC-DEMO-0002",
            paid_on=today - dt.timedelta(days=20),
        )
        pay.disbursement_reject(
            disbursement=ask(3, "施工进度款"), by=approver, reason="发票抬头有误"
        )
        pay.disbursement_cancel(disbursement=ask(3, "施工进度款"), by=finance, reason="重复提交")
        pay.disbursement_approve(disbursement=ask(3, "施工进度款"), by=approver)
    except GrantsError:
        pass  # the awards were seeded differently: keep what was made
