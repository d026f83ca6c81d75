import pytest
from django.test import RequestFactory

from core.net import client_ip


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "expected"), [
    ([], "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # no proxies configured: the header is ignored
    (["10.0.0.0/8"], "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not from our proxy: ignored
    (["10.0.0.0/8"], "10.0.0.2", "198.51.100.1", "198.51.100.1"),
    (["10.0.0.0/8"], "10.0.0.2", "185.71.76.5, 198.51.100.1", "198.51.100.1"),  # the forged left part is not used
    (["10.0.0.0/8"], "10.0.0.2", "198.51.100.1, 10.0.0.7", "198.51.100.1"),  # two proxies of ours
    (["10.0.0.0/8"], "10.0.0.2", "", "10.0.0.2"),
])
def test_client_ip_trusts_only_our_own_proxies(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
