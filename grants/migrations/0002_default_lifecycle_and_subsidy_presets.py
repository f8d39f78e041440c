"""Seed the default lifecycle (DOMAIN §1) and the city subsidy presets (DOMAIN §3).

Both are data, edited in the admin afterwards; the values here are frozen into the migration
on purpose, so later edits of the defaults never rewrite history.
"""

import datetime

from django.db import migrations

LIFECYCLE = ("default", "加装电梯标准流程", "Standard lift retrofit")

# code, zh, en, consultation kind, gates to enter, starts notice, initial, final, cancellation
STEPS = [
    ("proposed", "提出申请", "proposed", "", [], False, True, False, False),
    ("intent_consultation", "意向征询", "intent consultation", "intent", [], False, False, False, False),
    ("plan_consultation", "方案征询", "plan and cost-split consultation", "plan", ["intent_passed"], False, False, False, False),
    ("public_notice", "公示", "public notice", "", ["plan_passed", "cost_share"], True, False, False, False),
    ("approved", "立项", "approved", "", ["intent_passed", "plan_passed", "notice_over", "objections_resolved"], False, False, False, False),
    ("contracted", "签约", "contract signed", "", [], False, False, False, False),
    ("under_construction", "施工", "under construction", "", [], False, False, False, False),
    ("delivered", "竣工验收交付", "accepted and delivered", "", [], False, False, False, False),
    ("closed", "结项", "closed", "", ["final_cost"], False, False, True, False),
    ("cancelled", "终止", "cancelled", "", [], False, False, True, True),
]

FORWARD = [
    ("proposed", "intent_consultation"),
    ("intent_consultation", "plan_consultation"),
    ("plan_consultation", "public_notice"),
    ("public_notice", "approved"),
    ("approved", "contracted"),
    ("contracted", "under_construction"),
    ("under_construction", "delivered"),
    ("delivered", "closed"),
]
# Objections upheld during the notice send the plan back to the owners.
BACKWARD = [("public_notice", "plan_consultation")]
CANCELLABLE = [code for code, *_rest in STEPS[:8]]

REQUIREMENTS = {
    "plan_consultation": ["intent_record"],
    "public_notice": ["plan", "cost_split_plan", "plan_record"],
    "approved": ["notice_photo"],
    "contracted": ["contract"],
    "under_construction": ["construction_permit"],
    "delivered": ["acceptance_certificate"],
    "closed": ["resident_signoff"],
}

EFFECTIVE = datetime.date(2020, 1, 1)
# city, zh, en, rate (basis points), cap (fen), fixed (fen), pipeline extra (fen), note zh, note en
PRESETS = [
    ("shanghai", "上海", "Shanghai", 4000, 28_000_000, None, 0, "40%，每台最高28万元", "40%, at most CNY 280k per lift"),
    ("beijing", "北京", "Beijing", 4000, 24_000_000, None, 0, "40%，每台最高24万元", "40%, at most CNY 240k per lift"),
    ("hangzhou", "杭州", "Hangzhou", None, None, 20_000_000, 15_000_000, "每台20万元，管线迁移另加15万元", "CNY 200k per lift, plus 150k for pipeline relocation"),
    ("tianjin", "天津", "Tianjin", None, None, 20_000_000, 0, "每台20万元", "CNY 200k per lift"),
    ("chongqing", "重庆", "Chongqing", 6000, 25_000_000, None, 0, "60%，每台最高25万元", "60%, at most CNY 250k per lift"),
]


def seed(apps, schema_editor):
    Lifecycle = apps.get_model("grants", "Lifecycle")
    Step = apps.get_model("grants", "LifecycleStep")
    Transition = apps.get_model("grants", "LifecycleTransition")
    Requirement = apps.get_model("grants", "StepDocumentRequirement")
    Preset = apps.get_model("grants", "SubsidyPreset")

    code, name_zh, name_en = LIFECYCLE
    lifecycle, _ = Lifecycle.objects.get_or_create(
        code=code, defaults={"name_zh": name_zh, "name_en": name_en, "is_default": True}
    )
    steps = {}
    for position, row in enumerate(STEPS, start=1):
        step_code, zh, en, kind, gates, notice, initial, final, cancel = row
        steps[step_code], _ = Step.objects.get_or_create(
            lifecycle=lifecycle,
            code=step_code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "position": position,
                "consultation_kind": kind,
                "gates": gates,
                "starts_notice": notice,
                "is_initial": initial,
                "is_final": final,
                "is_cancellation": cancel,
            },
        )
    edges = [(s, t, False) for s, t in FORWARD] + [(s, t, True) for s, t in BACKWARD]
    edges += [(s, "cancelled", True) for s in CANCELLABLE]
    for source, target, needs_reason in edges:
        Transition.objects.get_or_create(
            lifecycle=lifecycle,
            source=steps[source],
            target=steps[target],
            defaults={"requires_reason": needs_reason},
        )
    for step_code, kinds in REQUIREMENTS.items():
        for kind in kinds:
            Requirement.objects.get_or_create(step=steps[step_code], kind=kind)

    for city, zh, en, rate, cap, fixed, extra, note_zh, note_en in PRESETS:
        Preset.objects.get_or_create(
            city_code=city,
            effective_from=EFFECTIVE,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "rate_bp": rate,
                "cap_minor": cap,
                "fixed_minor": fixed,
                "pipeline_extra_minor": extra,
                "note_zh": note_zh,
                "note_en": note_en,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("grants", "SubsidyPreset").objects.filter(effective_from=EFFECTIVE).delete()
    apps.get_model("grants", "Lifecycle").objects.filter(code=LIFECYCLE[0]).delete()


class Migration(migrations.Migration):
    dependencies = [("grants", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
