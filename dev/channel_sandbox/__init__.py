"""A local channel sandbox: Twilio (SMS) and the Telegram Bot API on loopback, for development and tests.

Standard library only, loopback only, bounded memory.

    {base}/twilio/2010-04-01/Accounts/{AccountSid}[.json|/Messages.json]   HTTP Basic AccountSid:AuthToken, form
    {base}/telegram/bot{token}/{getMe|sendMessage}                          query, form or JSON parameters
    GET  {base}/_sandbox/messages[?provider=twilio]                          messages sent, as JSON
    POST {base}/_sandbox/faults {"provider", "mode": http_500|rate_limit|revoked|none, "times"}
    POST {base}/_sandbox/reset

Use :func:`start_sandbox` in tests (or the ``channel_sandbox`` fixture) and ``manage.py run_channel_sandbox``
in development. Seeded credentials: :data:`DEFAULT_TWILIO`, :data:`DEFAULT_TELEGRAM`; Telegram chats
:data:`STARTED_CHAT` (receives) and :data:`BLOCKED_CHAT`.
"""

from dev.channel_sandbox.server import DEFAULT_TELEGRAM, DEFAULT_TWILIO, ChannelSandbox, start_sandbox
from dev.channel_sandbox.telegram import BLOCKED_CHAT, STARTED_CHAT
from dev.channel_sandbox.twilio import UNSUBSCRIBED

__all__ = ["BLOCKED_CHAT", "DEFAULT_TELEGRAM", "DEFAULT_TWILIO", "STARTED_CHAT", "UNSUBSCRIBED", "ChannelSandbox",
           "start_sandbox"]
