"""A local channel sandbox: every messaging provider and Cal.com on loopback, for development and tests.

Standard library only (but ``cryptography`` for SES's SNS signatures), loopback only, bounded memory. Each
provider is a :class:`base.Provider` in its own module, served under ``{base}/<name>/`` with its real paths,
auth and error bodies:

    {base}/twilio/2010-04-01/Accounts/{AccountSid}[.json|/Messages.json|/IncomingPhoneNumbers.json]   Basic auth, form
    {base}/telegram/bot{token}/{getMe|sendMessage|setWebhook|getWebhookInfo|deleteWebhook}   query, form or JSON
    {base}/calcom/v2/{me|event-types}                                        Bearer API key, cal-api-version
    {base}/whatsapp/v26.0/{phone-number-id}[/messages]                       Bearer token, JSON, 24-hour window
    {base}/max/{me|messages|subscriptions}                                   raw token in Authorization, JSON
    {base}/smsc/sys/{balance|send}.php                                        login + psw, fmt=3, GET or POST
    {base}/sendgrid/v3/{scopes|mail/send}                                    Bearer API key, JSON, 202 + X-Message-Id
    {base}/ses/v2/email/{account|identities/{id}|outbound-emails}            SigV4 (service ses), JSON
    SMTP on the same host, port ``server.smtp_port`` (no TLS)               AUTH PLAIN/LOGIN, see smtp_server
    GET  {base}/_sandbox/messages[?provider=twilio]                          messages sent, as JSON
    POST {base}/_sandbox/faults {"provider", "mode": http_500|rate_limit|timeout|revoked|none, "times"}
    POST {base}/_sandbox/inbound {"provider", "from", "text", ...}          the provider's webhook to our app
    POST {base}/_sandbox/reset

Use :func:`start_sandbox` in tests (or the ``channel_sandbox`` fixture) and ``manage.py run_channel_sandbox``
in development. Seeded credentials: :data:`DEFAULT_TWILIO`, :data:`DEFAULT_TELEGRAM`, :data:`DEFAULT_CALCOM`
(inbound: a visitor books through a prefilled link); Telegram chats
:data:`STARTED_CHAT` (receives) and :data:`BLOCKED_CHAT`; :data:`DEFAULT_WHATSAPP` with numbers :data:`WINDOW_OPEN`
(wrote within 24 hours) and :data:`NOT_ON_WHATSAPP`; :data:`DEFAULT_MAX` with dialogs :data:`STARTED_DIALOG` and
:data:`STOPPED_DIALOG`; :data:`DEFAULT_SMSC` (login, password, approved sender) refusing :data:`UNDELIVERABLE`;
:data:`DEFAULT_SMTP` (user, password, the only allowed From) refusing :data:`UNKNOWN_MAILBOX`;
:data:`DEFAULT_SENDGRID` (API key, verified sender) refusing :data:`INVALID_RECIPIENT`; :data:`DEFAULT_SES` (key id,
secret, region, verified sender; an account in the SES sandbox) sending only to :data:`VERIFIED_RECIPIENT`,
replies signed as SNS does for the topic ``ses.TOPIC_ARN``.
"""

from dev.channel_sandbox.calcom import DEFAULT_CALCOM
from dev.channel_sandbox.max import DEFAULT_MAX, STARTED_DIALOG, STOPPED_DIALOG
from dev.channel_sandbox.sendgrid import DEFAULT_SENDGRID, INVALID_RECIPIENT
from dev.channel_sandbox.server import DEFAULT_TELEGRAM, DEFAULT_TWILIO, ChannelSandbox, start_sandbox
from dev.channel_sandbox.ses import DEFAULT_SES, VERIFIED_RECIPIENT
from dev.channel_sandbox.smsc import DEFAULT_SMSC, UNDELIVERABLE
from dev.channel_sandbox.smtp_server import DEFAULT_SMTP, UNKNOWN_MAILBOX
from dev.channel_sandbox.telegram import BLOCKED_CHAT, STARTED_CHAT
from dev.channel_sandbox.twilio import UNSUBSCRIBED
from dev.channel_sandbox.whatsapp import DEFAULT_WHATSAPP, NOT_ON_WHATSAPP, WINDOW_OPEN

__all__ = ["BLOCKED_CHAT", "DEFAULT_CALCOM", "DEFAULT_MAX", "DEFAULT_SENDGRID", "DEFAULT_SES", "DEFAULT_SMSC",
           "DEFAULT_SMTP", "DEFAULT_TELEGRAM", "DEFAULT_TWILIO", "DEFAULT_WHATSAPP", "INVALID_RECIPIENT",
           "NOT_ON_WHATSAPP", "STARTED_CHAT", "STARTED_DIALOG", "STOPPED_DIALOG", "UNDELIVERABLE", "UNKNOWN_MAILBOX",
           "UNSUBSCRIBED", "VERIFIED_RECIPIENT", "WINDOW_OPEN", "ChannelSandbox", "start_sandbox"]
