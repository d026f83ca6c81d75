import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _within(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The address the request came from, seen through our own reverse proxies (TRUSTED_PROXIES).

    Only hops appended by a trusted proxy count: walking X-Forwarded-For from the right, the first
    address that is not one of our proxies is the client (anything left of it could be forged).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if not proxies or not _within(remote, proxies):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _within(hop, proxies):
            return hop
    return hops[0] if hops else remote
