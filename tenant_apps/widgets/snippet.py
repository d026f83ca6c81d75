"""The one line a client pastes into their site, and where to paste it on popular site builders."""

from core.links import platform_url
from shared_apps.tenancy.models import Tenant


def snippet_for(tenant: Tenant) -> dict:
    key = tenant.widget_publication.public_key
    script_url = platform_url(f"/w/{key}.js")
    html = f'<script async src="{script_url}"></script>'
    return {
        "html": html,
        "open_hint": 'Любая кнопка сайта с атрибутом data-fastlead-open (например, <a href="#" data-fastlead-open>'
                     "Записаться</a>) тоже открывает виджет.",
        "script_url": script_url,
        "demo_url": platform_url(f"/w/{key}/demo"),
        "instructions": {
            "html": "Вставьте код перед закрывающим тегом </body> на каждой странице сайта.",
            "tilda": "Настройки сайта → Ещё → HTML-код для вставки внутрь HEAD (или блок T123 «HTML-код» "
                     "на нужных страницах) → вставьте код → Сохранить → Опубликовать все страницы.",
            "wordpress": "Внешний вид → Редактор тем → footer.php, перед </body>; или плагин «Insert Headers and "
                         "Footers» → Scripts in Footer → вставьте код → Сохранить.",
            "bitrix": "1С-Битрикс: Настройки → Настройки продукта → Сайты → Шаблоны сайтов → ваш шаблон → "
                      "вставьте код перед </body> → Сохранить. Либо модуль «Вставка кода» в <head>.",
        },
    }
