"""Russian messages for bad input, shared by the pages, the services and the API envelope.

Length limits come from the model fields (``max_length``), so a form can never hand the database a value
its column cannot hold (PostgreSQL answers that with a DataError, i.e. a 500) and the browser never has
to cut the text silently (``maxlength``): the page answers 400 and says how long the value may be.
"""

import re
import unicodedata

from django.db.models import Field, Model

from .text import plural

# The form-level line above the highlighted fields. Pages that save something prefix it with «Не сохранено: ».
CHECK_FIELDS = "Проверьте выделенные поля."
NOT_SAVED = "Не сохранено: проверьте выделенные поля."

# Passwords have no column of their own (only the hash is stored): the same limit as the API's schemas.
PASSWORD_MAX_LENGTH = 128

# The last page number a list accepts (``?page=``): a bigger one would ask the database for an offset past
# its bigint (an error, not an empty page).
MAX_PAGE = 10_000


def page_number(raw: str | None) -> int:
    """A list page's ``?page=`` as a page to show: the first one for anything but a positive number."""
    try:
        return min(max(int(raw or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def max_length_of(model: type[Model], field_name: str) -> int:
    field = model._meta.get_field(field_name)
    if not isinstance(field, Field) or field.max_length is None:
        raise TypeError(f"{model.__name__}.{field_name} has no max_length")
    return field.max_length


def too_long_message(limit: int) -> str:
    """«Не длиннее 150 символов.» (after «длиннее» the number takes the genitive: 1 символа, 2+ символов)."""
    return f"Не длиннее {limit} {plural(limit, ('символа', 'символов', 'символов'))}."


def length_error(value: str, limit: int) -> str | None:
    return too_long_message(limit) if len(value or "") > limit else None


def field_length_error(value: str, model: type[Model], field_name: str) -> str | None:
    """The message for a value longer than the model field's ``max_length``, else None."""
    return length_error(value, max_length_of(model, field_name))


# --- characters no text may hold, and names a person can read -----------------------------------------------

# NUL (PostgreSQL refuses it in text) and halves of surrogate pairs, which only a JSON escape such as "\ud800"
# can produce (they are not characters and cannot be encoded as UTF-8).
FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")

CONTROL_CHARACTERS = "Уберите служебные символы."
INVISIBLE_NAME = "Нужны буквы или цифры: одни невидимые символы и пробелы не подходят."


def has_forbidden_characters(text: str) -> bool:
    return FORBIDDEN_CHARACTERS.search(text) is not None


def one_line(text: str) -> str:
    """Runs of whitespace, line breaks and tabs among them, as one space, the ends trimmed: a name reaches e-mail
    subjects, where a line break would end the header."""
    return " ".join((text or "").split())


def name_error(name: str, limit: int, required: str) -> str | None:
    """What is wrong with a name typed into a form, already ``one_line``: a person's, a company's, a workspace's,
    a lead's. Missing (``required`` is the message), longer than ``limit``, holding control characters, or with
    nothing to see — only zero-width characters, combining marks and spaces."""
    if not name:
        return required
    if too_long := length_error(name, limit):
        return too_long
    categories = [unicodedata.category(char) for char in name]
    if "Cc" in categories:
        return CONTROL_CHARACTERS
    if all(category[0] in "ZCM" for category in categories):  # separators, other (Cf, Co, Cs...), marks
        return INVISIBLE_NAME
    return None
