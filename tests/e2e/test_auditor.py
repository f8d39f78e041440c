"""An Auditor in the browser: the reports home, a fund statement, drilling down to a journal
entry, the English switch. Screenshots in var/screenshots/auditor-*.png."""

from playwright.sync_api import expect

from config.roles import Role


def test_auditor_reads_the_home_a_statement_and_drills_to_an_entry(demo_data, login_as, screenshot):
    page = login_as(Role.AUDITOR, via_form=True)

    page.get_by_role("link", name="报表").first.click()
    expect(page.get_by_role("heading", name="基金概览")).to_be_visible()
    elevator = page.locator("section[data-fund='elevator']")
    expect(elevator.locator("svg rect.in")).to_have_count(12)
    expect(elevator).to_contain_text("勾稽一致")
    screenshot(page, "auditor-home")

    elevator.get_by_role("link", name="本年基金收支报表").click()
    expect(page.get_by_role("heading", name="基金收支报表")).to_be_visible()
    expect(page.locator("#report-rows tbody tr")).to_have_count(14)
    screenshot(page, "auditor-statement")

    contributions = page.locator("#report-rows tr", has_text="捐赠收入").first
    contributions.get_by_role("link").click()
    expect(page.get_by_role("heading", name="日记账")).to_be_visible()
    page.locator("#report-rows tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="记账凭证")).to_contain_text("#")
    expect(page.locator("td.hash").first).to_be_visible()
    screenshot(page, "auditor-entry")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Postings")).to_be_visible()
    page.goto("/auditor/")
    expect(page.get_by_role("heading", name="The fund at a glance")).to_be_visible()
    screenshot(page, "auditor-home-en")


def test_auditor_cannot_change_a_fund_in_the_admin(demo_data, login_as):
    page = login_as(Role.AUDITOR)

    page.goto("/admin/fund/fund/")
    page.get_by_role("link", name="elevator").first.click()

    expect(page.locator("input[name='_save']")).to_have_count(0)
    expect(page.locator(".deletelink")).to_have_count(0)
