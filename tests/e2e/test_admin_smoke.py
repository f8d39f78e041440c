import re

from playwright.sync_api import expect

from config.roles import Role


def test_demo_administrator_signs_in_with_the_printed_password(demo_data, page, screenshot):
    password = re.search(r"password for all: (\S+)\):", demo_data).group(1)

    page.goto("/admin/")
    assert page.url.endswith("/admin/login/?next=/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", password)
    page.click("input[type=submit]")

    expect(page.locator("#site-name")).to_have_text("Liftfund 加装电梯定向基金")
    assert page.url.endswith("/admin/")
    assert screenshot(page, "admin-index-zh").stat().st_size > 5_000


def test_staff_switch_the_admin_to_english(login_as, screenshot):
    page = login_as(Role.ADMINISTRATOR)

    page.goto("/admin/")
    expect(page.locator("#site-name")).to_have_text("Liftfund 加装电梯定向基金")
    page.get_by_role("button", name="English").click()

    expect(page.locator("#site-name")).to_have_text("Liftfund elevator fund")
    expect(page.get_by_role("button", name="中文")).to_be_visible()
    screenshot(page, "admin-index-en")


def test_auditor_signs_in_through_the_login_form(login_as, screenshot):
    page = login_as(Role.AUDITOR, via_form=True)

    assert page.url.endswith("/admin/")
    expect(page.locator("#user-tools")).to_contain_text("审计")
    screenshot(page, "admin-index-auditor")


def test_donor_is_refused_by_the_staff_admin(login_as):
    page = login_as(Role.DONOR, via_form=True)

    assert "/admin/login/" in page.url
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator("#site-name")).to_have_text("Liftfund 加装电梯定向基金")


def test_api_docs_render_without_the_internet(login_as, screenshot):
    page = login_as(Role.FINANCE_OFFICER)

    page.goto("/api/docs/")

    expect(page.locator(".swagger-ui .title")).to_contain_text("Liftfund API")
    expect(page.locator(".opblock-summary-path[data-path='/api/v1/me/']")).to_be_visible()
    screenshot(page, "api-docs")
