import itertools
import re

import pytest

from public_site.verticals import VERTICALS

pytestmark = pytest.mark.django_db


def test_the_index_links_every_vertical(client_for):
    body = client_for().get("/use-cases").content.decode()
    assert len(VERTICALS) == 6
    for vertical in VERTICALS:
        assert f'href="/use-cases/{vertical.slug}"' in body
        assert vertical.name in body


@pytest.mark.parametrize("vertical", VERTICALS, ids=[v.slug for v in VERTICALS])
def test_a_vertical_shows_its_widget_settings_and_the_flow(client_for, vertical):
    response = client_for().get(f"/use-cases/{vertical.slug}")
    assert response.status_code == 200
    body = response.content.decode().replace("&nbsp;", " ")
    assert f"--p: {vertical.color}" in body
    for text in (vertical.greeting, vertical.button_label, vertical.business, vertical.hours, *vertical.quick_replies,
                 *vertical.channels):
        assert text.replace("«", "&laquo;") in body or text in body, text
    for step in ("Шаг 1 · заявка", "Шаг 2 · первый ответ за секунды", "Шаг 3 · запись", "Cal.com"):
        assert step in body, step
    # a still picture of the widget: no widget script, no form controls for a visitor to try
    assert "/w/" not in body
    assert "widget.js" not in body
    assert not re.search(r"<(input|select|textarea|form)\b", body.split("<footer", 1)[0].split("<main", 1)[1])
    headings = re.findall(r"<h([1-6])\b", body)
    assert headings[0] == "1"
    assert headings.count("1") == 1
    assert all(int(b) - int(a) <= 1 for a, b in itertools.pairwise(headings)), headings


def test_an_unknown_vertical_is_a_russian_404(client_for):
    response = client_for().get("/use-cases/no-such-business")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()
