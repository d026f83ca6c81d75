from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import ManyToManyField, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from shared_apps.accounts.models import Account

from . import flags
from .models import Flag


class AccountChoices(forms.ModelMultipleChoiceField):
    """Two companies may share a name: the allowlist tells them apart by the owner's e-mail."""

    def label_from_instance(self, obj: Account) -> str:
        return f"{obj.name} — {obj.owner.email}"


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    """The three known flags (created by a migration): their mode and the closed beta's allowlist."""

    list_display = ("name", "code", "mode", "allowlist_size", "note", "updated_at")
    list_filter = ("mode",)
    filter_horizontal = ("accounts",)
    fields = ("name", "mode", "accounts", "note", "updated_at")
    readonly_fields = ("name", "updated_at")
    actions = ("switch_on", "switch_to_allowlist", "switch_off")

    def formfield_for_manytomany(self, db_field: ManyToManyField, request: HttpRequest,
                                 **kwargs: Any) -> forms.ModelMultipleChoiceField | None:
        if db_field.name == "accounts":
            kwargs["form_class"] = AccountChoices
            kwargs["queryset"] = Account.objects.select_related("owner").order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="код")
    def code(self, flag: Flag) -> str:
        return flag.name  # what the code and the docs call it

    @admin.display(description="аккаунтов в списке")
    def allowlist_size(self, flag: Flag) -> int:
        return flag.accounts.count()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the code reads only the known flags

    def has_delete_permission(self, request: HttpRequest, obj: Flag | None = None) -> bool:
        return False

    def _switch(self, request: HttpRequest, queryset: QuerySet[Flag], mode: str) -> None:
        changed = queryset.update(mode=mode, updated_at=timezone.now())
        flags.invalidate()  # a bulk update sends no post_save
        self.message_user(request, f"Режим «{Flag.Mode(mode).label}» установлен: {changed} шт.", messages.SUCCESS)

    @admin.action(description="Включить для всех")
    def switch_on(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._switch(request, queryset, Flag.Mode.ON)

    @admin.action(description="Включить только аккаунтам из списка")
    def switch_to_allowlist(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._switch(request, queryset, Flag.Mode.ALLOWLIST)

    @admin.action(description="Выключить")
    def switch_off(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._switch(request, queryset, Flag.Mode.OFF)
