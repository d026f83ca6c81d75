from django.conf import settings


def platform_url(path: str = "/") -> str:
    """Absolute URL on the public host, e.g. ``http://localhost:8000/pricing``."""
    port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
    return f"{settings.PLATFORM_SCHEME}://{settings.PLATFORM_DOMAIN}{port}{path}"
