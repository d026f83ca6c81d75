from typing import ClassVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from social_django.models import Association, Nonce, UserSocialAuth

from .models import Account, User

# python-social-auth's own admin is English and shows protocol internals (OpenID associations and nonces, unused
# with OAuth 2): a person's Google and Yandex logins are shown on their page instead.
admin.site.unregister((Association, Nonce, UserSocialAuth))


class SocialLoginInline(admin.TabularInline):
    model = UserSocialAuth
    fields = ("provider", "uid", "created", "modified")
    readonly_fields = fields
    extra = 0
    can_delete = True
    verbose_name = "вход через Google или Яндекс"
    verbose_name_plural = "входы через Google и Яндекс"

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # a login is linked by the person signing in, not by staff


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = (SocialLoginInline,)
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Профиль", {"fields": ("full_name", "email_confirmed_at")}),
        ("Права", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Даты", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    """A paying customer. The platform admin (backoffice) adds its workspaces, subscription and actions."""

    list_display: tuple[str, ...] = ("name", "owner_email", "inn", "created_at")
    list_select_related: ClassVar[tuple[str, ...]] = ("owner",)
    search_fields = ("name", "legal_name", "inn", "owner__email")
    date_hierarchy = "created_at"
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at",)

    @admin.display(description="e-mail владельца", ordering="owner__email")
    def owner_email(self, account: Account) -> str:
        return account.owner.email
