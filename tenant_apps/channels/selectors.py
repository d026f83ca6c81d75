from core.errors import NotFound

from .models import Channel


def channels() -> list[Channel]:
    return list(Channel.objects.all())


def channel(channel_id: int) -> Channel:
    found = Channel.objects.filter(pk=channel_id).first()
    if found is None:
        raise NotFound("Канал не найден.")
    return found
