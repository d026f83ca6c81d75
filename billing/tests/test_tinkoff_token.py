"""T-Bank Token: the official vectors and the pitfalls of building the string."""

import hashlib

from billing.providers.tinkoff_token import tinkoff_token, token_is_valid

INIT_EXAMPLE = {
    "TerminalKey": "1234567890DEMO",
    "Amount": 99000,
    "OrderId": "sub-42-202601",
    "Description": "Подписка Pro, 1 мес.",
    "CustomerKey": "user-42",
    "Recurrent": "Y",
    "NotificationURL": "https://app.example.ru/pay/tbank/notify",
    "SuccessURL": "https://app.example.ru/billing/ok",
    "FailURL": "https://app.example.ru/billing/fail",
    "DATA": {"Email": "user@example.ru"},
    "Receipt": {
        "Email": "user@example.ru",
        "Taxation": "usn_income",
        "Items": [{
            "Name": "Подписка Pro, 1 мес.", "Price": 99000, "Quantity": 1, "Amount": 99000, "Tax": "none",
            "PaymentMethod": "full_payment", "PaymentObject": "service",
        }],
    },
}
INIT_TOKEN = "fc3aa9048ff7c0e5eaa8ae9572c48fb3ea3b48f236587b98330ea355ec3aa14e"
# Sorted values of this payload give "19200Подарочная карта на 1000 рублей21090usaf8fw8fsw21gMerchantTerminalKey".
PLAIN_VECTOR = {
    "Amount": 19200,
    "Description": "Подарочная карта на 1000 рублей",
    "OrderId": "21090",
    "TerminalKey": "MerchantTerminalKey",
}
PLAIN_TOKEN = "0024a00af7c350a3a67ca168ce06502aa72772456662e38696d48b56ee9c97d9"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_init_example_vector() -> None:
    assert tinkoff_token(INIT_EXAMPLE, "TestPass123") == INIT_TOKEN
    assert sha256(
        "99000user-42Подписка Pro, 1 мес.https://app.example.ru/billing/failhttps://app.example.ru/pay/tbank/notify"
        "sub-42-202601TestPass123Yhttps://app.example.ru/billing/ok1234567890DEMO"
    ) == INIT_TOKEN


def test_plain_string_vector() -> None:
    assert tinkoff_token(PLAIN_VECTOR, "usaf8fw8fsw21g") == PLAIN_TOKEN
    assert sha256("19200Подарочная карта на 1000 рублей21090usaf8fw8fsw21gMerchantTerminalKey") == PLAIN_TOKEN


def test_booleans_are_lowercase_json_words() -> None:
    payload = {"TerminalKey": "T", "Success": True, "Amount": 100}
    assert tinkoff_token(payload, "p") == sha256("100ptrueT")
    assert tinkoff_token({**payload, "Success": False}, "p") == sha256("100pfalseT")
    assert tinkoff_token(payload, "p") != sha256("100pTrueT")


def test_nested_objects_token_and_nulls_are_left_out() -> None:
    bare = {key: value for key, value in INIT_EXAMPLE.items() if key not in ("DATA", "Receipt")}
    noisy = {**INIT_EXAMPLE, "Token": "whatever", "Shops": [{"ShopCode": "1"}], "RedirectDueDate": None}
    assert tinkoff_token(bare, "TestPass123") == tinkoff_token(noisy, "TestPass123") == INIT_TOKEN


def test_token_is_valid_accepts_the_vector_and_rejects_tampering() -> None:
    signed = {**PLAIN_VECTOR, "Token": PLAIN_TOKEN}
    assert token_is_valid(signed, "usaf8fw8fsw21g")
    assert token_is_valid({**signed, "Token": PLAIN_TOKEN.upper()}, "usaf8fw8fsw21g")
    assert not token_is_valid({**signed, "Amount": 19201}, "usaf8fw8fsw21g")
    assert not token_is_valid({**signed, "OrderId": "21091"}, "usaf8fw8fsw21g")
    assert not token_is_valid(signed, "another-password")
    assert not token_is_valid(PLAIN_VECTOR, "usaf8fw8fsw21g")
    assert not token_is_valid({**signed, "Token": ""}, "usaf8fw8fsw21g")
    assert not token_is_valid({**signed, "Token": 12345}, "usaf8fw8fsw21g")


def test_an_empty_password_verifies_nothing() -> None:
    assert not token_is_valid({**PLAIN_VECTOR, "Token": tinkoff_token(PLAIN_VECTOR, "")}, "")


def test_the_str_true_pitfall_does_not_verify() -> None:
    notification = {"TerminalKey": "T", "OrderId": "o-1", "Success": True, "Status": "CONFIRMED", "Amount": 100}
    fields = {**notification, "Password": "p"}
    python_style = sha256("".join(str(fields[key]) for key in sorted(fields)))  # "...True..."
    signed = {**notification, "Token": tinkoff_token(notification, "p")}
    assert token_is_valid(signed, "p")
    assert not token_is_valid({**notification, "Token": python_style}, "p")
