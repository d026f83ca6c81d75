"""The one line a client pastes into their site, and where to paste it on popular site builders."""

from core.links import INSTALL_GUIDE_PATH, platform_url
from shared_apps.tenancy.models import Tenant

# Where to paste the line, step by step, on each site builder (the public guide post says the same at length).
INSTALL_STEPS: dict[str, list[str]] = {
    "html": [
        "Откройте общий шаблон сайта — часть, которая выводится на каждой странице (обычно подвал).",
        "Вставьте код перед закрывающим тегом </body> и сохраните.",
        "Опубликуйте изменения и откройте сайт: в углу страницы появится кнопка виджета.",
    ],
    "tilda": [
        "В Tilda откройте «Настройки сайта» → «Ещё» → «HTML-код для вставки внутрь HEAD».",
        "Вставьте код и сохраните.",
        "Нажмите «Опубликовать все страницы»: без этого код не появится на уже опубликованных страницах.",
        "Нужен виджет только на некоторых страницах? Добавьте на них блок T123 «HTML-код» с этим кодом.",
    ],
    "wordpress": [
        "Проще всего — плагин для вставки кода в шапку и подвал сайта, например WPCode "
        "(бывший «Insert Headers and Footers»); установите его в разделе «Плагины».",
        "Вставьте код в поле для подвала (Footer) и сохраните — правка переживёт обновление темы.",
        "Без плагина: «Внешний вид» → «Редактор тем» → footer.php, код — перед </body>. "
        "Лучше в дочерней теме: при обновлении темы правка может потеряться.",
    ],
    "bitrix": [
        "В админке 1С-Битрикс откройте «Настройки» → «Настройки продукта» → «Сайты» → «Шаблоны сайтов».",
        "Откройте шаблон вашего сайта и вставьте код перед </body>.",
        "Сохраните шаблон и сбросьте кеш, если он включён.",
    ],
}


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
        "guide_url": platform_url(INSTALL_GUIDE_PATH),
        "steps": INSTALL_STEPS,
        "instructions": {platform: " ".join(steps) for platform, steps in INSTALL_STEPS.items()},
    }
