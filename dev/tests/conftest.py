import pytest

from dev.channel_sandbox import start_sandbox


@pytest.fixture
def sandbox():
    """A channel sandbox on a free loopback port: (the server, its base URL)."""
    server, base_url = start_sandbox()
    try:
        yield server, base_url
    finally:
        server.stop()
