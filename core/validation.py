"""Russian messages for bad input, shared by the pages, the services and the API envelope.

Length limits come from the model fields (``max_length``), so a form can never hand the database a value
its column cannot hold (PostgreSQL answers that with a DataError, i.e. a 500) and the browser never has
to cut the text silently (``maxlength``): the page answers 400 and says how long the value may be.
"""

from django.db.models import Field, Model

from .text import plural

# The form-level line above the highlighted fields. Pages that save something prefix it with «Не сохранено: ».
CHECK_FIELDS = "Проверьте выделенные поля."
NOT_SAVED = "Не сохранено: проверьте выделенные поля."

# Passwords have no column of their own (only the hash is stored): the same limit as the API's schemas.
PASSWORD_MAX_LENGTH = 128


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
