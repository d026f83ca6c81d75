from django.conf import settings
from django.core.files.storage import default_storage

# The public guide post on installing the widget (public_site/blog/posts/<slug>.md).
INSTALL_GUIDE_PATH = "/blog/ustanovka-vidzheta-tilda-wordpress-bitrix"


def platform_url(path: str = "/") -> str:
    """Absolute URL on the public host, e.g. ``http://localhost:8000/pricing``."""
    port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
    return f"{settings.PLATFORM_SCHEME}://{settings.PLATFORM_DOMAIN}{port}{path}"


def media_url(path: str) -> str | None:
    """Absolute URL of an uploaded file: the widget runs on the client's site, not ours."""
    if not path:
        return None
    url = default_storage.url(path)
    return url if url.startswith(("http://", "https://")) else platform_url(url)
