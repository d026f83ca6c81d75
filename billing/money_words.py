"""Russian money amounts for invoices and acts: in words ("Одна тысяча рублей 00 копеек") and in figures."""

NBSP = "\u00a0"

_ONES_MASCULINE = ("", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_ONES_FEMININE = ("", "одна", "две", *_ONES_MASCULINE[3:])
_TEENS = (
    "десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать",
    "пятнадцать", "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать",
)
_TENS = ("", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто")
_HUNDREDS = ("", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот")

# (size, is_feminine, forms for 1 / 2–4 / 5+), largest first.
_SCALES = (
    (10**9, False, ("миллиард", "миллиарда", "миллиардов")),
    (10**6, False, ("миллион", "миллиона", "миллионов")),
    (10**3, True, ("тысяча", "тысячи", "тысяч")),
)
_RUBLES = ("рубль", "рубля", "рублей")
_KOPECKS = ("копейка", "копейки", "копеек")
_MAX_RUBLES = 10**12 - 1


def plural(n: int, forms: tuple[str, str, str]) -> str:
    """The Russian form of a noun for ``n``: forms are for 1, for 2–4 and for 5 (день, дня, дней)."""
    n = abs(n) % 100
    if 11 <= n <= 19:
        return forms[2]
    if n % 10 == 1:
        return forms[0]
    if 2 <= n % 10 <= 4:
        return forms[1]
    return forms[2]


def _triad_words(n: int, feminine: bool) -> list[str]:
    """Words for 1..999 (empty for 0)."""
    hundreds, rest = divmod(n, 100)
    words = [_HUNDREDS[hundreds]] if hundreds else []
    if 10 <= rest <= 19:
        words.append(_TEENS[rest - 10])
    else:
        tens, ones = divmod(rest, 10)
        if tens:
            words.append(_TENS[tens])
        if ones:
            words.append((_ONES_FEMININE if feminine else _ONES_MASCULINE)[ones])
    return words


def _integer_words(n: int) -> str:
    """A whole number of rubles (masculine) in words, "ноль" for 0."""
    if n == 0:
        return "ноль"
    words: list[str] = []
    for size, feminine, forms in _SCALES:
        count, n = divmod(n, size)
        if count:
            words += [*_triad_words(count, feminine), plural(count, forms)]
    words += _triad_words(n, feminine=False)
    return " ".join(words)


def _split(kopecks: int) -> tuple[int, int]:
    if kopecks < 0:
        raise ValueError("Сумма не может быть отрицательной")
    if kopecks // 100 > _MAX_RUBLES:
        raise ValueError("Сумма больше триллиона рублей")
    return divmod(kopecks, 100)


def rubles_in_words(kopecks: int) -> str:
    """The amount as written on Russian documents: "Двадцать один рубль 05 копеек"."""
    rubles, rest = _split(kopecks)
    text = f"{_integer_words(rubles)} {plural(rubles, _RUBLES)} {rest:02d} {plural(rest, _KOPECKS)}"
    return text[0].upper() + text[1:]


def format_rubles(kopecks: int) -> str:
    """The amount in figures, "9 990,00", with a no-break space between thousands."""
    rubles, rest = _split(kopecks)
    return f"{rubles:,}".replace(",", NBSP) + f",{rest:02d}"


def rubles(kopecks: int) -> str:
    """The amount with its currency, "9 990,00 ₽" (no-break spaces), as pages and e-mails show it."""
    return f"{format_rubles(kopecks)}{NBSP}₽"
