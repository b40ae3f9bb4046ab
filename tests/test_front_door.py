import pytest

pytestmark = pytest.mark.django_db


def test_home_page_names_the_programme_and_points_curators_to_the_admin(client, settings):
    settings.PROGRAMME_NAME = "Learn Socially"

    page = client.get("/").content.decode()

    assert "<h1>Learn Socially</h1>" in page
    assert 'href="/admin/"' in page
    assert '<meta name="viewport"' in page
