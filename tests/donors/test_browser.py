"""In headless Chromium: a donor picks a campaign, sees the form's errors in Chinese and
English, gives through the demo checkout and lands on the thank-you page; the gift shows in
the campaign's progress and in the ledger. Screenshots go to var/screenshots/.

Runs with LIFTFUND_BROWSER_TESTS=1 (and Debian's Chromium), like the other browser tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from donors.models import Donation, DonationStatus
from fund.models import EntryKind, JournalEntry
from tests.donors.factories import CampaignFactory, organisation_qualified

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("LIFTFUND_BROWSER_TESTS") != "1", reason="set LIFTFUND_BROWSER_TESTS=1"
    ),
    pytest.mark.django_db(transaction=True),
]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def browser_page(live_server, monkeypatch):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread; the test's own ORM calls are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("LIFTFUND_CHROMIUM", "/usr/bin/chromium"),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
                "--disable-dev-shm-usage",
            ],
        )
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        yield page
        browser.close()


def test_a_donor_gives_through_the_demo_checkout(live_server, browser_page):
    page = browser_page
    organisation_qualified()
    CampaignFactory()

    page.goto(f"{live_server.url}/campaigns/")
    page.click("text=幸福里小区7号楼加装电梯")
    page.click("#give-button")
    assert page.locator("text=在线捐赠需要您同意此项。").count() == 2
    page.screenshot(path=str(SHOTS / "donors-form-errors-zh.png"), full_page=True)

    page.click("button.lf-lang-btn")
    page.click("#give-button")
    assert page.locator("text=Please agree to this to give online.").count() == 2
    page.screenshot(path=str(SHOTS / "donors-form-errors-en.png"), full_page=True)

    page.check("input[name=amount][value=custom]")
    page.fill("input[name=custom_amount]", "188.80")
    page.fill("input[name=name]", "Emily Carter")
    page.fill("input[name=email]", "emily.carter@example.org")
    page.check("input[name=consent_data_processing]")
    page.check("input[name=consent_transfer_abroad]")
    page.click("#give-button")
    assert "NO MONEY MOVES" in page.inner_text("#demo-banner")
    page.screenshot(path=str(SHOTS / "donors-demo-checkout.png"), full_page=True)

    page.click("#demo-pay")
    assert page.inner_text("#thanks") == "Thank you for your gift!"
    assert page.inner_text("#gift-status") == "Settled"
    assert "CNY 188.80 raised of CNY 300,000.00" in page.inner_text("#progress")
    page.screenshot(path=str(SHOTS / "donors-thanks.png"), full_page=True)

    page.click("text=Back to the campaign")
    assert page.inner_text("#progress").startswith("CNY 188.80 raised of CNY 300,000.00")
    donation = Donation.objects.get()
    assert (donation.status, donation.amount_minor) == (DonationStatus.SETTLED, 18880)
    entry = JournalEntry.objects.get(kind=EntryKind.GIFT)
    assert donation.journal_entry == entry
