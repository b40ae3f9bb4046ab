import pytest

pytestmark = [pytest.mark.requires("chromium"), pytest.mark.django_db(transaction=True)]


def test_home_page_fits_a_phone_and_links_to_the_admin(phone_page):
    phone_page.goto("/")

    assert phone_page.get_by_role("heading", level=1).inner_text() == "Learn Socially"
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone_page.get_by_role("link", name="sign in to the curation admin").is_visible()
