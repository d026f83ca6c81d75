"""Every form leaves validation to the server, which answers in Russian (the browser's own bubbles speak the
browser's language: «Please fill out this field.»), and a refused form is described in one wording."""

import re
from pathlib import Path

from django.conf import settings
from django.template.utils import get_app_template_dirs

from core.validation import CHECK_FIELDS, NOT_SAVED, too_long_message

ROOT = Path(settings.BASE_DIR)
# A <form …> start tag; it may span lines and hold {{ … }} / {% … %} (whose insides may contain ">").
FORM_TAG = re.compile(r"<form\b(?:\{\{.*?\}\}|\{%.*?%\}|[^>])*>", re.S | re.I)
OTHER_WORDINGS = ("Проверьте правильность заполнения", "исправьте отмеченные", "Слишком длинное значение")


def ours(path: Path) -> bool:
    """The project's own files, not those of the installed packages (Django admin, social-auth)."""
    return path.is_relative_to(ROOT) and path.relative_to(ROOT).parts[0] not in {".venv", "node_modules"}


def template_files() -> list[Path]:
    """templates/ and every app's templates dir."""
    dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    dirs += [Path(d) for d in get_app_template_dirs("templates")]
    files = {path for d in dirs if d.is_dir() and ours(d) for path in d.rglob("*.html")}
    return sorted(files)


def test_the_scan_sees_the_project_templates():
    names = {path.relative_to(ROOT).as_posix() for path in template_files()}
    assert {"templates/accounts/login.html", "templates/dashboard/team.html"} <= names


def test_every_form_tag_has_novalidate():
    missing = [
        f"{path.relative_to(ROOT)}: {' '.join(tag.split())[:120]}"
        for path in template_files()
        for tag in FORM_TAG.findall(path.read_text(encoding="utf-8"))
        if not re.search(r"\snovalidate(?=[\s>=/])", tag)
    ]
    assert not missing, "forms without novalidate:\n" + "\n".join(missing)


def test_the_form_tag_pattern_reads_tags_with_template_code():
    html = '<form method="post"\n action="{% url \'x\' %}" data-x="{{ a|default:\'>\' }}" novalidate><form class="b">'
    found = FORM_TAG.findall(html)
    assert len(found) == 2
    assert found[0].endswith("novalidate>")


def test_one_wording_for_a_refused_form():
    assert "Не сохранено: " + CHECK_FIELDS[0].lower() + CHECK_FIELDS[1:] == NOT_SAVED
    sources = [*template_files()]
    for folder in ("dashboard/static", "static/src", "widget_cdn/static"):
        sources += (ROOT / folder).rglob("*.js")
    for folder in ("billing", "config", "dashboard", "public_site", "shared_apps", "tenant_apps", "widget_cdn"):
        sources += (path for path in (ROOT / folder).rglob("*.py") if "tests" not in path.parts)
    offenders = [
        f"{path.relative_to(ROOT)}: {wording}"
        for path in sources
        for wording in OTHER_WORDINGS
        if wording in path.read_text(encoding="utf-8")
    ]
    assert not offenders, "other wordings of the same form error:\n" + "\n".join(offenders)


def test_too_long_message_says_the_limit():
    assert too_long_message(150) == "Не длиннее 150 символов."
    assert too_long_message(254) == "Не длиннее 254 символов."
    assert too_long_message(21) == "Не длиннее 21 символа."
    assert too_long_message(11) == "Не длиннее 11 символов."
