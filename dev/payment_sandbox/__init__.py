"""A local payment sandbox: YooKassa API v3 and T-Bank Acquiring API v2 on loopback, for development and tests.

Standard library only (plus the project's T-Bank token function), loopback only, bounded memory.

    {base}/yookassa/v3/payments[/{id}[/cancel|/capture]]   HTTP Basic shopId:secret, Idempotence-Key
    {base}/yookassa/v3/refunds[/{id}]
    {base}/tinkoff/v2/{Init,GetState,CheckOrder,Confirm,Cancel,Charge,GetCardList}   JSON + Token
    {base}/checkout/yookassa/{id}, {base}/checkout/tinkoff/{PaymentId}       hosted payment pages
    {base}/_sandbox/...                                                      control API (faults, switches)
    {base}/                                                                  test cards and switches

Use :func:`start_sandbox` in tests (or the ``payment_sandbox`` fixture) and
``manage.py run_payment_sandbox`` in development. Test cards: :data:`YOOKASSA_CARDS`,
:data:`TINKOFF_CARDS`.
"""

from dev.payment_sandbox.cards import TINKOFF_3DS_CODE, TINKOFF_CARDS, YOOKASSA_3DS_CODE, YOOKASSA_CARDS, SandboxCard
from dev.payment_sandbox.server import PaymentSandbox, start_sandbox, stop_sandbox

__all__ = [
    "TINKOFF_3DS_CODE",
    "TINKOFF_CARDS",
    "YOOKASSA_3DS_CODE",
    "YOOKASSA_CARDS",
    "PaymentSandbox",
    "SandboxCard",
    "start_sandbox",
    "stop_sandbox",
]
