"""Seed the default tranche template (DOMAIN §5): 30% at contract signed, 70% at acceptance.

Data, edited in the admin afterwards; frozen here so later edits never rewrite history.
"""

from django.db import migrations

TEMPLATE = ("standard-30-70", "签约付30%，验收付70%", "30% at contract, 70% at acceptance")
# position, share (basis points), milestone step code, required evidence kinds
LINES = [
    (1, 3000, "contracted", ["contract", "invoice"]),
    (2, 7000, "delivered", ["acceptance_certificate", "invoice", "resident_signoff"]),
]


def seed(apps, schema_editor):
    Template = apps.get_model("grants", "TrancheTemplate")
    Line = apps.get_model("grants", "TrancheTemplateLine")
    code, name_zh, name_en = TEMPLATE
    template, _ = Template.objects.get_or_create(
        code=code,
        defaults={
            "name_zh": name_zh,
            "name_en": name_en,
            "is_default": not Template.objects.filter(is_default=True).exists(),
        },
    )
    for position, share, milestone, kinds in LINES:
        Line.objects.get_or_create(
            template=template,
            position=position,
            defaults={"share_bp": share, "milestone": milestone, "evidence_kinds": kinds},
        )


def unseed(apps, schema_editor):
    apps.get_model("grants", "TrancheTemplate").objects.filter(code=TEMPLATE[0]).delete()


class Migration(migrations.Migration):
    dependencies = [("grants", "0004_disbursements")]

    operations = [migrations.RunPython(seed, unseed)]
