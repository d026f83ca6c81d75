"""Russian text helpers shared by every page, e-mail and document: plurals and ruble amounts."""

NBSP = "\u00a0"


def plural(n: int, forms: tuple[str, str, str]) -> str:
    """The form of a word for ``n``: ``forms`` are for 1, for 2–4 and for 5 (день, дня, дней; after «не больше»:
    человека, человек, человек)."""
    n = abs(n) % 100
    if 11 <= n <= 19:
        return forms[2]
    if n % 10 == 1:
        return forms[0]
    if 2 <= n % 10 <= 4:
        return forms[1]
    return forms[2]


def format_rubles(kopecks: int) -> str:
    """The amount in figures, "9 990,00", with a no-break space between thousands."""
    rubles, rest = divmod(kopecks, 100)
    return f"{rubles:,}".replace(",", NBSP) + f",{rest:02d}"


def rubles(kopecks: int) -> str:
    """The amount with its currency, "9 990,00 ₽" (no-break spaces), as payments and documents show it."""
    return f"{format_rubles(kopecks)}{NBSP}₽"


def whole_rubles(kopecks: int) -> str:
    """A price in whole rubles, "9 990 ₽": plan prices."""
    return f"{kopecks // 100:,}".replace(",", NBSP) + f"{NBSP}₽"


def wait_time(seconds: int) -> str:
    """How long to wait, after «через»: «30 секунд», «1 минуту», «15 минут» (minutes, rounded up, from a minute on)."""
    if seconds < 60:
        return f"{seconds} {plural(seconds, ('секунду', 'секунды', 'секунд'))}"
    minutes = -(-seconds // 60)
    return f"{minutes} {plural(minutes, ('минуту', 'минуты', 'минут'))}"


def quoted(name: str) -> str:
    """A name in «», unless it carries its own (a company «Улыбка» is not put in a second pair)."""
    return name if "«" in name or "»" in name else f"«{name}»"
