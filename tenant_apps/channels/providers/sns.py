"""Amazon SNS deliveries to our HTTPS endpoint, verified as AWS's own validators do (reference §5, §12.4).

The signature covers fixed keys per message type and is checked with the public key of the X.509 certificate at
``SigningCertURL``, which must be an ``https://sns.<region>.amazonaws.com/….pem`` address — or, outside production
only, the channel sandbox (``CHANNEL_SANDBOX_URL`` cannot be set in production).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from functools import lru_cache

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings

from ..transport import InboundRejected

AWS_URL = re.compile(r"https://sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(?:\.cn)?/[^?#\s]*")
SIGNED_KEYS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
HASHES: dict[str, type[hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
FORGED = "Подпись уведомления Amazon SNS не сходится."


def sns_url(url: object) -> bool:
    """An address of SNS itself (or of the local sandbox outside production)."""
    if not isinstance(url, str):
        return False
    sandbox = str(getattr(settings, "CHANNEL_SANDBOX_URL", "") or "")
    return AWS_URL.fullmatch(url) is not None or (bool(sandbox) and url.startswith(f"{sandbox.rstrip('/')}/ses/"))


def verified_message(body: bytes, topic_arn: str, timeout: float) -> dict:
    """The SNS message in ``body``, once its topic is ``topic_arn`` and its signature checks out."""
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        message = None
    if not isinstance(message, dict) or not isinstance(message.get("Type"), str):
        raise InboundRejected("Это не уведомление Amazon SNS.")
    if message.get("TopicArn") != topic_arn:
        raise InboundRejected("Уведомление Amazon SNS пришло из чужой темы.")
    keys = SIGNED_KEYS.get(message["Type"])
    if keys is None or not all(isinstance(message.get(key, ""), str)
                               for key in (*keys, "Signature", "SignatureVersion", "SigningCertURL")):
        raise InboundRejected(FORGED)
    algorithm = HASHES.get(message.get("SignatureVersion", ""))
    cert_url = message.get("SigningCertURL", "")
    if algorithm is None or not sns_url(cert_url) or not cert_url.endswith(".pem"):
        raise InboundRejected(FORGED)
    signed = "".join(f"{key}\n{message[key]}\n" for key in keys if key in message)
    try:
        signature = base64.b64decode(message.get("Signature", ""), validate=True)
        _public_key(cert_url, timeout).verify(signature, signed.encode(), padding.PKCS1v15(), algorithm())
    except (binascii.Error, InvalidSignature) as exc:
        raise InboundRejected(FORGED) from exc
    return message


def confirm_subscription(message: dict, timeout: float) -> None:
    """Follow a verified ``SubscriptionConfirmation``'s ``SubscribeURL`` (only to SNS itself)."""
    url = message.get("SubscribeURL")
    if not sns_url(url):
        raise InboundRejected(FORGED)
    try:
        httpx.get(str(url), timeout=timeout).raise_for_status()
    except httpx.HTTPError as exc:  # SNS sends the confirmation again; we answer 403 so it does
        raise InboundRejected("Не удалось подтвердить подписку Amazon SNS. Она придёт снова.") from exc


@lru_cache(maxsize=32)  # SNS signs with a few certificates; failures are not cached
def _public_key(url: str, timeout: float) -> rsa.RSAPublicKey:
    try:
        response = httpx.get(url, timeout=timeout)
        response.raise_for_status()
        key = x509.load_pem_x509_certificate(response.content).public_key()
    except (httpx.HTTPError, ValueError) as exc:
        raise InboundRejected("Не удалось получить сертификат Amazon SNS.") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise InboundRejected(FORGED)
    return key
