"""Subdomains from company names: «Кофейня Зёрна» → ``kofeynya-zerna``."""

import re

TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
         "t", "u", "f", "kh", "ts", "ch", "sh", "sch", "", "y", "", "e", "yu", "ya"],
        strict=True,
    )
)
MAX_BASE_LENGTH = 30


def transliterate(text: str) -> str:
    return "".join(TRANSLIT.get(char, char) for char in text.lower())


def slug_base(company: str) -> str:
    """A valid subdomain stem (before any uniqueness suffix)."""
    slug = re.sub(r"[^a-z0-9]+", "-", transliterate(company)).strip("-")[:MAX_BASE_LENGTH].strip("-")
    if not slug or not slug[0].isalpha():
        slug = f"co-{slug}".strip("-")
    return slug if len(slug) >= 3 else f"{slug}-team"
