"""A member's saved views of the leads list: a name and the list's filters (its query string, without the page).
Each member sees and changes only their own; names are unique per member, at most ``MAX_VIEWS`` each."""

from urllib.parse import parse_qsl, urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from core.errors import InvalidInput, NotFound

from .models import SavedView

MAX_VIEWS = 30
NAME_MAX_CHARS = SavedView._meta.get_field("name").max_length or 60
QUERY_MAX_CHARS = SavedView._meta.get_field("query").max_length or 2000
NAME_REQUIRED = "Введите название вида."
NAME_TOO_LONG = f"Название вида — не длиннее {NAME_MAX_CHARS} символов."
NAME_TAKEN = "Вид с таким названием уже есть — выберите другое."
TOO_MANY = f"Можно сохранить не больше {MAX_VIEWS} видов: удалите ненужный."
QUERY_TOO_LONG = "Слишком длинный набор фильтров для сохранения."
NOT_FOUND = "Сохранённый вид не найден."
SKIPPED = frozenset({"page", "cursor"})  # where one is in the list, not what the list is


def views_of(user: AbstractBaseUser) -> list[SavedView]:
    return list(SavedView.objects.filter(user_id=user.pk))


def clean_query(query: str) -> str:
    """The filters alone: without a leading «?», the page number and blank values, in their order."""
    pairs = [(name, value) for name, value in parse_qsl(query.strip().lstrip("?"), keep_blank_values=False)
             if name not in SKIPPED and value.strip()]
    return urlencode(pairs)


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(NAME_REQUIRED, fields={"name": NAME_REQUIRED})
    if len(name) > NAME_MAX_CHARS:
        raise InvalidInput(NAME_TOO_LONG, fields={"name": NAME_TOO_LONG})
    return name


def save_view(user: AbstractBaseUser, name: str, query: str) -> SavedView:
    """Store the member's filters under ``name``. Refusals (InvalidInput, 400) name the field: a blank, long or
    repeated name, a set of filters too long, one view over the limit."""
    name = _clean_name(name)
    query = clean_query(query)
    if len(query) > QUERY_MAX_CHARS:
        raise InvalidInput(QUERY_TOO_LONG, fields={"query": QUERY_TOO_LONG})
    with transaction.atomic():
        mine = SavedView.objects.select_for_update().filter(user_id=user.pk)
        names = {existing.lower() for existing in mine.values_list("name", flat=True)}
        if name.lower() in names:
            raise InvalidInput(NAME_TAKEN, fields={"name": NAME_TAKEN})
        if len(names) >= MAX_VIEWS:
            raise InvalidInput(TOO_MANY, fields={"name": TOO_MANY})
        try:
            with transaction.atomic():
                return SavedView.objects.create(user_id=user.pk, name=name, query=query)
        except IntegrityError:  # the same name saved at the same moment from another tab
            raise InvalidInput(NAME_TAKEN, fields={"name": NAME_TAKEN}) from None


def delete_view(user: AbstractBaseUser, view_id: int) -> SavedView:
    """Delete one of the member's views; another member's is as unknown as one that never existed (404)."""
    view = SavedView.objects.filter(pk=view_id, user_id=user.pk).first()
    if view is None:
        raise NotFound(NOT_FOUND)
    view.delete()
    return view
