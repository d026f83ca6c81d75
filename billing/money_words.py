"""Russian money amounts in words for invoices and acts: "Одна тысяча рублей 00 копеек" (figures: core.text)."""

from core.text import plural

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
