"""Campaign rules and cover-image upload checks."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from donors.models import Campaign, CampaignKind, Organisation
from donors.services.campaigns import campaign_errors
from donors.services.giving import fee_to_cover
from donors.validators import validate_cover_image

QUALIFIED = Organisation(public_fundraising_qualified=True)


def public(starts_on: dt.date, filed_on: dt.date | None, reference: str = "A-1") -> Campaign:
    return Campaign(
        kind=CampaignKind.PUBLIC,
        starts_on=starts_on,
        plan_filed_on=filed_on,
        plan_filing_reference=reference,
    )


def test_from_2026_a_public_plan_is_filed_ten_days_before_launch():
    start = dt.date(2026, 3, 20)

    assert (
        campaign_errors(campaign=public(start, dt.date(2026, 3, 10)), organisation=QUALIFIED) == {}
    )
    late = campaign_errors(campaign=public(start, dt.date(2026, 3, 11)), organisation=QUALIFIED)
    assert late == {"plan_filed_on": ["募捐方案须在项目开始前至少 10 天备案。"]}


def test_before_2026_filing_by_the_launch_day_was_enough():
    start = dt.date(2025, 12, 1)

    assert campaign_errors(campaign=public(start, start), organisation=QUALIFIED) == {}


def test_a_public_campaign_without_qualification_or_filing_lists_every_reason():
    errors = campaign_errors(
        campaign=public(dt.date(2026, 3, 20), None, reference=""),
        organisation=Organisation(public_fundraising_qualified=False),
    )

    assert sorted(errors) == ["kind", "plan_filed_on", "plan_filing_reference"]


def test_a_targeted_campaign_needs_neither():
    campaign = Campaign(kind=CampaignKind.TARGETED, starts_on=dt.date(2026, 3, 20))

    assert campaign_errors(campaign=campaign, organisation=Organisation()) == {}


@pytest.mark.parametrize(("amount", "fee"), [(10000, 352), (500, 18), (100_000_000, 3_519_669)])
def test_the_fee_to_cover_leaves_the_whole_gift_after_the_fee(amount, fee):
    organisation = Organisation(fee_rate_basis_points=340, fee_fixed_minor=0)

    assert fee_to_cover(amount_minor=amount, organisation=organisation) == fee
    total = amount + fee
    assert total - (total * 340 + 9999) // 10000 >= amount


def image(fmt: str, size: tuple[int, int] = (32, 18)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 110, 79)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_jpeg_png_and_webp_covers_are_accepted(fmt):
    validate_cover_image(SimpleUploadedFile("cover.bin", image(fmt)))


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("cover.png", b"<script>alert(1)</script>", "unreadable"),
        ("cover.gif", None, "wrong_type"),
        ("cover.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "unreadable"),
    ],
)
def test_files_that_are_not_allowed_images_are_refused(name, content, code):
    data = content if content is not None else image("GIF")

    with pytest.raises(ValidationError) as error:
        validate_cover_image(SimpleUploadedFile(name, data))

    assert error.value.code == code


def test_an_oversized_cover_is_refused(settings):
    settings.LIFTFUND_MAX_UPLOAD_BYTES = 100

    with pytest.raises(ValidationError) as error:
        validate_cover_image(SimpleUploadedFile("cover.png", image("PNG", (300, 300))))

    assert error.value.code == "too_large"


def test_a_cover_larger_than_6000_pixels_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_cover_image(SimpleUploadedFile("c.png", image("PNG", (6001, 1))))

    assert error.value.code == "too_wide"
