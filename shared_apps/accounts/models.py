from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("E-mail обязателен")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. The e-mail is the login."""

    email = models.EmailField("e-mail", unique=True)
    full_name = models.CharField("имя", max_length=150, blank=True)
    is_active = models.BooleanField("активен", default=True)
    is_staff = models.BooleanField("сотрудник платформы", default=False)
    email_confirmed_at = models.DateTimeField("e-mail подтверждён", null=True, blank=True)
    avatar = models.ImageField("аватар", upload_to="avatars/", blank=True)
    date_joined = models.DateTimeField("зарегистрирован", default=timezone.now)
    # The cabinet's guided tour is not started by itself again once dismissed or finished (dashboard/profile/tour.py).
    tour_dismissed_at = models.DateTimeField("экскурсия по кабинету пройдена", null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split()[0]

    @property
    def is_email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class Account(models.Model):
    """The paying customer: owns workspaces (tenants) and the subscription."""

    name = models.CharField("название", max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_accounts", verbose_name="владелец"
    )
    legal_name = models.CharField("юридическое название", max_length=300, blank=True)
    inn = models.CharField("ИНН", max_length=12, blank=True)
    kpp = models.CharField("КПП", max_length=9, blank=True)
    legal_address = models.CharField("юридический адрес", max_length=500, blank=True)
    created_at = models.DateTimeField("создан", auto_now_add=True)

    class Meta:
        verbose_name = "аккаунт"
        verbose_name_plural = "аккаунты"

    def __str__(self) -> str:
        return self.name


class LoginSession(models.Model):
    """A browser session we can list and revoke.

    Logging in on the public host makes a root session; every hand-off to a
    workspace host makes a child of it. Logging out anywhere, or revoking the
    login in the profile, ends the root and all its children.
    """

    session_key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    host = models.CharField("хост", max_length=253)
    ip = models.GenericIPAddressField("IP-адрес", null=True, blank=True)
    user_agent = models.CharField("браузер", max_length=300, blank=True)
    created_at = models.DateTimeField("вход", auto_now_add=True)
    last_seen_at = models.DateTimeField("последняя активность", auto_now_add=True)

    class Meta:
        verbose_name = "сеанс"
        verbose_name_plural = "сеансы"

    def __str__(self) -> str:
        return f"{self.user} @ {self.host}"


class RefreshToken(models.Model):
    """Server-side record of a refresh JWT, so tokens rotate and can be revoked.

    All tokens descending from one login share a ``family``; presenting a token
    that was already rotated revokes the whole family (theft detection).
    """

    jti = models.UUIDField(primary_key=True)
    family = models.UUIDField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refresh_tokens")
    tenant_slug = models.CharField(max_length=40, blank=True)
    expires_at = models.DateTimeField()
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "refresh-токен"
        verbose_name_plural = "refresh-токены"

    def __str__(self) -> str:
        return f"{self.user_id}:{self.jti}"


class OneTimeToken(models.Model):
    """A single-use secret sent by e-mail or in a redirect; only its SHA-256 is stored."""

    class Purpose(models.TextChoices):
        CONFIRM_EMAIL = "confirm_email", "Подтверждение e-mail"
        RESET_PASSWORD = "reset_password", "Сброс пароля"
        CHANGE_EMAIL = "change_email", "Смена e-mail"
        HANDOFF = "handoff", "Переход в рабочее пространство"

    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="one_time_tokens")
    payload = models.JSONField(default=dict, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} for {self.user_id}"
