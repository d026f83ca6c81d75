"""Profile settings in the cabinet: name, avatar, e-mail, password and active logins (test client)."""

import io
import random
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from dashboard.profile.views import user_agent_label
from shared_apps.accounts.models import LoginSession, User

pytestmark = pytest.mark.django_db

PASSWORD = "Старый-пароль-2026"
NEW_PASSWORD = "Новый-пароль-2027"
CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)


# --- helpers -------------------------------------------------------------------------------------


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (600, 300), mode: str = "RGB", **save_kwargs) -> bytes:
    image = Image.new(mode, size, "#2563eb" if mode == "RGB" else (37, 99, 235, 128))
    image.paste("#f59e0b", (0, 0, size[0] // 2, size[1]))  # two halves: the crop must keep the centre
    out = io.BytesIO()
    image.save(out, fmt, **save_kwargs)
    return out.getvalue()


def noisy_png(size: tuple[int, int] = (200, 200)) -> bytes:
    image = Image.frombytes("RGB", size, random.Random(7).randbytes(size[0] * size[1] * 3))  # incompressible
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def link_from(message, path: str) -> str:
    return re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]+)", message.body).group(1)


def session_key(client: Client) -> str:
    return client.session.session_key


def follow_handoff(response, tenant_client: Client):
    target = urlsplit(response["Location"])
    assert target.path == "/auth/handoff"
    return tenant_client.get(f"{target.path}?{target.query}")


@pytest.fixture
def member(make_user, make_tenant):
    user = make_user("anna@ulybka.ru", PASSWORD, full_name="Анна Петрова")
    return user, make_tenant(owner=user, name="Улыбка")


@pytest.fixture
def client(member, client_for) -> Client:
    user, tenant = member
    return client_for(tenant, user)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


# --- the page --------------------------------------------------------------------------------------


def test_page_needs_a_member(member, make_user, client_for):
    _, tenant = member
    anonymous = Client(HTTP_HOST=tenant.primary_host)
    assert anonymous.get("/settings")["Location"] == "/login?next=/settings"
    assert anonymous.post("/settings/name", {"full_name": "Взлом"}).status_code == 302
    stranger = client_for(tenant, make_user())
    assert stranger.get("/settings").status_code == 403
    assert stranger.post("/settings/name", {"full_name": "Взлом"}).status_code == 403


def test_page_shows_every_section(client):
    response = client.get("/settings")
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Настройки профиля", "Имя и фамилия", "Аватар", "Новый e-mail", "anna@ulybka.ru",
                 "Текущий пароль", "Новый пароль", "Активные входы", "Этот вход"):
        assert text in body, text
    assert 'value="Анна Петрова"' in body
    assert "maxlength" not in body  # the server says how long a value may be, the browser cuts nothing
    assert all("novalidate" in tag for tag in re.findall(r"<form\b[^>]*>", body))
    assert 'accept="image/png,image/jpeg,image/webp"' in body
    assert 'enctype="multipart/form-data"' in body
    assert ">АП<" in body  # initials instead of an avatar
    assert "Удалить аватар" not in body
    assert "Завершить все остальные входы" not in body  # the only login is this one
    assert body.count("csrfmiddlewaretoken") >= 5
    assert response.context["section"] == "settings"


def test_forms_are_post_only_and_csrf_protected(member):
    user, tenant = member
    strict = Client(HTTP_HOST=tenant.primary_host, enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.get("/settings").status_code == 200
    assert strict.get("/settings/name").status_code == 405
    assert strict.post("/settings/name", {"full_name": "Без токена"}).status_code == 403
    assert fresh(user).full_name == "Анна Петрова"


# --- name ------------------------------------------------------------------------------------------


def test_name_is_saved_with_a_message(client, member):
    user, _ = member
    response = client.post("/settings/name", {"full_name": "  Анна   Иванова "})
    assert response.status_code == 302
    assert response["Location"] == "/settings"
    assert fresh(user).full_name == "Анна Иванова"
    page = client.get("/settings").content.decode()
    assert "Имя сохранено." in page
    assert 'value="Анна Иванова"' in page


@pytest.mark.parametrize(
    ("typed", "error"), [("   ", "Укажите имя."), ("Я" * 151, "Не длиннее 150 символов.")]
)
def test_bad_name_is_refused_and_the_input_kept(client, member, typed, error):
    user, _ = member
    response = client.post("/settings/name", {"full_name": typed})
    assert response.status_code == 400
    body = response.content.decode()
    assert error in body
    assert f'value="{typed}"' in body
    assert 'aria-invalid="true"' in body
    assert "Не сохранено: проверьте выделенные поля." in body  # the one wording of every cabinet form
    assert fresh(user).full_name == "Анна Петрова"


# --- avatar ----------------------------------------------------------------------------------------


def test_avatar_is_cropped_to_a_256_webp_and_replaces_the_old_file(client, member, media):
    user, _ = member
    response = client.post("/settings/avatar", {"avatar": upload("me.png", image_bytes("PNG", (600, 300)))})
    assert response.status_code == 302
    assert response["Location"] == "/settings"
    first = fresh(user).avatar
    assert first.name.startswith("avatars/")
    assert first.name.endswith(".webp")
    with Image.open(media / first.name) as saved:
        assert saved.format == "WEBP"
        assert saved.size == (256, 256)
        # Centre crop of a 600×300 picture whose left half is orange: the middle column is the seam.
        assert saved.convert("RGB").getpixel((10, 128))[0] > 200  # orange on the left
        assert saved.convert("RGB").getpixel((245, 128))[2] > 200  # blue on the right
    page = client.get("/settings").content.decode()
    assert "Аватар обновлён." in page
    assert f'src="/media/{first.name}"' in page
    assert "Удалить аватар" in page

    jpeg = image_bytes("JPEG", (300, 500))
    assert client.post("/settings/avatar", {"avatar": upload("me.jpg", jpeg, "image/jpeg")}).status_code == 302
    second = fresh(user).avatar
    assert second.name != first.name
    assert (media / second.name).exists()
    assert not (media / first.name).exists()


def test_avatar_metadata_is_stripped(client, member, media):
    user, _ = member
    exif = Image.Exif()
    exif[0x010F] = "Секретная камера"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to display
    source = image_bytes("JPEG", (400, 200), exif=exif.tobytes())
    assert client.post("/settings/avatar", {"avatar": upload("me.jpg", source, "image/jpeg")}).status_code == 302
    stored = (media / fresh(user).avatar.name).read_bytes()
    assert b"EXIF" not in stored
    assert "Секретная".encode() not in stored
    with Image.open(io.BytesIO(stored)) as saved:
        assert not saved.getexif()
        assert "icc_profile" not in saved.info
        # Orientation applied: a 400×200 picture rotated to portrait, top half orange after the turn.
        assert saved.convert("RGB").getpixel((128, 10))[0] > 200


def test_webp_with_transparency_is_accepted(client, member, media):
    user, _ = member
    webp = image_bytes("WEBP", (300, 300), mode="RGBA")
    assert client.post("/settings/avatar", {"avatar": upload("me.webp", webp, "image/webp")}).status_code == 302
    with Image.open(media / fresh(user).avatar.name) as saved:
        assert saved.mode == "RGBA"


def test_avatar_is_deleted(client, member, media):
    user, _ = member
    client.post("/settings/avatar", {"avatar": upload("me.png", image_bytes())})
    name = fresh(user).avatar.name
    assert (media / name).exists()
    response = client.post("/settings/avatar/delete")
    assert response["Location"] == "/settings"
    assert not fresh(user).avatar
    assert not (media / name).exists()
    page = client.get("/settings").content.decode()
    assert "Аватар удалён." in page
    assert ">АП<" in page


def test_oversized_avatar_is_refused(client, member, media, settings):
    user, _ = member
    too_big = image_bytes() + b"\0" * (settings.AVATAR_MAX_BYTES + 1)
    response = client.post("/settings/avatar", {"avatar": upload("big.png", too_big)})
    assert response.status_code == 400
    assert "Файл больше 2 МБ" in response.content.decode()
    assert not fresh(user).avatar
    assert not any(media.rglob("*.webp"))


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
         "image/png"),
        ("Просто текст, переименованный в картинку".encode(), "image/png"),
        (image_bytes("GIF"), "image/png"),
    ],
    ids=["svg", "text", "gif"],
)
def test_non_images_renamed_png_are_refused(client, member, media, content, content_type):
    user, _ = member
    response = client.post("/settings/avatar", {"avatar": upload("avatar.png", content, content_type)})
    assert response.status_code == 400
    assert "Загрузите изображение PNG, JPEG или WebP" in response.content.decode()
    assert not fresh(user).avatar


@pytest.mark.parametrize(
    "content",
    [noisy_png()[:3000], b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, b"\xff\xd8\xff\xe0" + b"garbage" * 20],
    ids=["truncated-png", "png-header-only", "broken-jpeg"],
)
def test_corrupt_image_is_refused(client, member, media, content):
    user, _ = member
    response = client.post("/settings/avatar", {"avatar": upload("avatar.png", content)})
    assert response.status_code == 400
    assert "Не удалось прочитать изображение" in response.content.decode()
    assert not fresh(user).avatar


def test_upload_without_a_file_is_refused(client):
    response = client.post("/settings/avatar", {})
    assert response.status_code == 400
    assert "Выберите файл с изображением." in response.content.decode()


# --- e-mail ----------------------------------------------------------------------------------------


def test_email_changes_only_after_the_link_is_opened(client, member, send_mail_now):
    user, _ = member
    with send_mail_now():
        response = client.post("/settings/email", {"email": " Anna.New@Ulybka.RU "})
    assert response.status_code == 302
    assert response["Location"] == "/settings"
    page = client.get("/settings").content.decode()
    assert "Мы отправили ссылку на anna.new@ulybka.ru. E-mail изменится после подтверждения." in page
    assert "Ждём подтверждения нового адреса" in page
    assert fresh(user).email == "anna@ulybka.ru"

    [message] = mail.outbox
    assert message.to == ["anna.new@ulybka.ru"]
    confirmed = Client(HTTP_HOST="localhost").get(link_from(message, "/email/change/"))
    assert confirmed.status_code == 200
    assert "E-mail изменён" in confirmed.content.decode()
    assert fresh(user).email == "anna.new@ulybka.ru"
    page = client.get("/settings").content.decode()
    assert "anna.new@ulybka.ru" in page
    assert "Ждём подтверждения нового адреса" not in page


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("taken@ulybka.ru", "Этот e-mail уже занят другим пользователем."),
        ("anna@ulybka.ru", "Это ваш текущий e-mail."),
        ("не-адрес", "Введите корректный e-mail"),
        ("", "Введите новый e-mail."),
        ("a" * 289 + "@ulybka.ru" + "x", "Не длиннее 254 символов."),
    ],
)
def test_bad_new_email_is_refused_and_the_input_kept(client, member, make_user, send_mail_now, typed, error):
    user, _ = member
    make_user("taken@ulybka.ru")
    with send_mail_now():
        response = client.post("/settings/email", {"email": typed})
    assert response.status_code == 400
    body = response.content.decode()
    assert error in body
    assert f'value="{typed}"' in body
    assert not mail.outbox
    assert fresh(user).email == "anna@ulybka.ru"


def test_email_change_requests_are_rate_limited(client, send_mail_now):
    with send_mail_now():
        for number in range(5):
            assert client.post("/settings/email", {"email": f"new{number}@ulybka.ru"}).status_code == 302
        response = client.post("/settings/email", {"email": "new5@ulybka.ru"})
    assert response.status_code == 429
    assert "Слишком много попыток" in response.content.decode()
    assert len(mail.outbox) == 5


# --- password --------------------------------------------------------------------------------------


def test_password_change_keeps_this_session_and_ends_the_others(client, member, client_for):
    user, tenant = member
    other = client_for(tenant, user)
    assert other.get("/settings").status_code == 200
    old_key = session_key(client)

    response = client.post("/settings/password", {"old_password": PASSWORD, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/settings"
    assert fresh(user).check_password(NEW_PASSWORD)

    page = client.get("/settings")
    assert page.status_code == 200
    assert "Пароль изменён. Остальные входы завершены." in page.content.decode()
    assert session_key(client) != old_key  # rotated by update_session_auth_hash …
    assert LoginSession.objects.filter(session_key=session_key(client), user=user).exists()  # … and followed
    assert other.get("/settings").status_code == 302  # the other login ended
    assert LoginSession.objects.filter(user=user).count() == 1


def test_password_change_keeps_the_whole_current_login_on_every_host(member, client_for):
    user, tenant = member
    public, cabinet = Client(HTTP_HOST="localhost"), Client(HTTP_HOST=tenant.primary_host)
    follow_handoff(public.post("/login", {"email": "anna@ulybka.ru", "password": PASSWORD}), cabinet)
    stranger = client_for(tenant, user)

    done = cabinet.post("/settings/password", {"old_password": PASSWORD, "password": NEW_PASSWORD})
    assert done.status_code == 302
    assert cabinet.get("/settings").status_code == 200
    assert public.get("/logout").status_code == 200  # still logged in on the public host: GET shows the form
    assert stranger.get("/settings").status_code == 302


@pytest.mark.parametrize(
    ("form", "field_error"),
    [
        ({"old_password": "неверный", "password": NEW_PASSWORD}, "Текущий пароль введён неверно."),
        ({"old_password": PASSWORD, "password": "12345"}, "слишком короткий"),
        ({"old_password": PASSWORD, "password": "anna@ulybka.ru"}, "похож"),
        ({"old_password": "", "password": ""}, "Введите текущий пароль."),
        ({"old_password": PASSWORD, "password": "Ж" * 129}, "Не длиннее 128 символов."),
    ],
    ids=["wrong-old", "short", "like-email", "empty", "too-long"],
)
def test_bad_password_change_is_refused(client, member, client_for, form, field_error):
    user, tenant = member
    other = client_for(tenant, user)
    response = client.post("/settings/password", form)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert fresh(user).check_password(PASSWORD)
    assert other.get("/settings").status_code == 200  # nothing ended


def test_wrong_old_password_locks_after_five_tries(client, member):
    user, _ = member
    for _ in range(5):
        assert client.post("/settings/password", {"old_password": "нет", "password": NEW_PASSWORD}).status_code == 400
    locked = client.post("/settings/password", {"old_password": PASSWORD, "password": NEW_PASSWORD})
    assert locked.status_code == 429
    assert "Слишком много попыток" in locked.content.decode()
    assert fresh(user).check_password(PASSWORD)


def test_oauth_user_sets_a_first_password(make_user, make_tenant, client_for):
    user = make_user("oauth@ulybka.ru", None, full_name="Олег")
    tenant = make_tenant(owner=user)
    client, other = client_for(tenant, user), client_for(tenant, user)
    page = client.get("/settings").content.decode()
    assert "Задать пароль" in page
    assert "old_password" not in page

    weak = client.post("/settings/password", {"password": "123"})
    assert weak.status_code == 400
    assert "слишком короткий" in weak.content.decode()

    done = client.post("/settings/password", {"password": NEW_PASSWORD})
    assert done.status_code == 302
    assert fresh(user).check_password(NEW_PASSWORD)
    page = client.get("/settings")
    assert page.status_code == 200
    assert "Пароль задан." in page.content.decode()
    assert "Текущий пароль" in page.content.decode()
    assert other.get("/settings").status_code == 302


# --- active logins ------------------------------------------------------------------------------------


def test_logins_are_listed_with_browser_ip_and_workspaces(client, member):
    user, _ = member
    LoginSession.objects.filter(session_key=session_key(client)).update(user_agent=CHROME_LINUX, ip="10.0.0.1")
    phone = LoginSession.objects.create(
        session_key="phone-root", user=user, host="localhost:8000", ip="192.0.2.7",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                   "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    )
    LoginSession.objects.create(session_key="phone-child", user=user, parent=phone, host="ulybka.localhost:8000")
    body = client.get("/settings").content.decode()
    assert "Chrome, Linux" in body
    assert "Safari, iOS" in body
    assert "192.0.2.7" in body
    assert "10.0.0.1" in body
    assert "Рабочие пространства: ulybka.localhost" in body
    assert body.count("Этот вход") == 1
    assert f'action="/settings/logins/{phone.pk}/end"' in body
    current = LoginSession.objects.get(session_key=session_key(client))
    assert f'action="/settings/logins/{current.pk}/end"' not in body
    assert "Завершить все остальные входы" in body


def test_current_login_is_recognised_by_a_child_session(client, member):
    user, _ = member
    root = LoginSession.objects.create(session_key="public-root", user=user, host="localhost:8000")
    LoginSession.objects.filter(session_key=session_key(client)).update(parent=root)
    rows = client.get("/settings").context["logins"]
    assert [(row.id, row.is_current) for row in rows] == [(root.pk, True)]


def test_another_login_is_ended(client, member, client_for):
    user, tenant = member
    other = client_for(tenant, user)
    other_login = LoginSession.objects.get(session_key=session_key(other))
    response = client.post(f"/settings/logins/{other_login.pk}/end")
    assert response["Location"] == "/settings"
    assert "Вход завершён." in client.get("/settings").content.decode()
    assert other.get("/settings").status_code == 302
    assert not LoginSession.objects.filter(pk=other_login.pk).exists()


def test_foreign_or_unknown_login_is_404(client, member, make_user, make_tenant, client_for):
    stranger = make_user()
    stranger_client = client_for(make_tenant(owner=stranger), stranger)
    foreign = LoginSession.objects.get(session_key=session_key(stranger_client))
    assert client.post(f"/settings/logins/{foreign.pk}/end").status_code == 404
    assert client.post("/settings/logins/999999999/end").status_code == 404
    child = LoginSession.objects.create(session_key="a-child", user=member[0], host="x.localhost",
                                        parent=LoginSession.objects.get(session_key=session_key(client)))
    assert client.post(f"/settings/logins/{child.pk}/end").status_code == 404  # only whole logins
    assert stranger_client.get("/").status_code == 200
    assert LoginSession.objects.filter(pk=foreign.pk).exists()


def test_the_current_login_is_not_ended_from_the_list(client):
    current = LoginSession.objects.get(session_key=session_key(client))
    response = client.post(f"/settings/logins/{current.pk}/end")
    assert response["Location"] == "/settings"
    page = client.get("/settings")
    assert page.status_code == 200
    assert "Это ваш текущий вход" in page.content.decode()


def test_all_other_logins_are_ended(client, member, client_for):
    user, tenant = member
    others = [client_for(tenant, user), client_for(tenant, user)]
    response = client.post("/settings/logins/end-others")
    assert response["Location"] == "/settings"
    assert "Завершили 2 входа." in client.get("/settings").content.decode()
    assert [other.get("/settings").status_code for other in others] == [302, 302]
    assert LoginSession.objects.filter(user=user).count() == 1
    client.post("/settings/logins/end-others")
    assert "Других входов нет." in client.get("/settings").content.decode()


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (CHROME_LINUX, "Chrome, Linux"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
         "Safari/537.36 Edg/126.0.0.0", "Edge, Windows"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
         "YaBrowser/24.4.0.0 Safari/537.36", "Яндекс Браузер, Windows"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
         "Safari/605.1.15", "Safari, macOS"),
        ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox, Linux"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
         "Mobile Safari/537.36", "Chrome, Android"),
        ("python-requests/2.32.3", "python-requests"),
        ("", "Неизвестное устройство"),
    ],
)
def test_user_agent_label(user_agent, label):
    assert user_agent_label(user_agent) == label
