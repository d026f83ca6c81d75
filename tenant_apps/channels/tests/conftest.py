import pytest


@pytest.fixture(autouse=True)
def _sandbox_smtp_port(request, monkeypatch):
    """The SMTP credentials of ``test_channels_api.PROVIDERS`` name the sandbox's SMTP port, known once it runs."""
    if "channel_sandbox" in request.fixturenames:
        from .test_channels_api import PROVIDERS

        port = str(request.getfixturevalue("channel_sandbox").smtp_port)
        for credentials in PROVIDERS["smtp"][:2]:
            monkeypatch.setitem(credentials, "port", port)
