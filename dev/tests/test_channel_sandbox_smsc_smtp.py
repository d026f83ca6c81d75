"""The sandbox's SMSC.ru API and SMTP server are as strict as the real ones: what a lenient emulator would let
through is refused in the provider's own format (reference §2, §3, §10)."""

import base64
import smtplib
import socket
from email import policy
from email.message import EmailMessage

import httpx
import pytest

from dev.channel_sandbox import DEFAULT_SMSC, DEFAULT_SMTP, UNDELIVERABLE, UNKNOWN_MAILBOX
from dev.channel_sandbox.smtp_server import SmtpSandbox

LOGIN, PASSWORD, SENDER = DEFAULT_SMSC
USER, SMTP_PASSWORD, FROM = DEFAULT_SMTP



def smsc(base: str, script: str, **params: str) -> httpx.Response:
    return httpx.post(f"{base}/smsc/sys/{script}.php",
                      data={"login": LOGIN, "psw": PASSWORD, "fmt": "3", "charset": "utf-8", **params})


def test_smsc_wants_its_login_and_answers_errors_as_json_with_http_200(sandbox):
    server, base = sandbox
    wrong = httpx.post(f"{base}/smsc/sys/balance.php", data={"login": LOGIN, "psw": "wrong", "fmt": "3"})
    assert (wrong.status_code, wrong.json()) == (200, {"error": "authorise error", "error_code": 2})
    assert httpx.get(f"{base}/smsc/sys/balance.php", params={"fmt": "3"}).json()["error_code"] == 2
    balance = httpx.get(f"{base}/smsc/sys/balance.php", params={"login": LOGIN, "psw": PASSWORD, "fmt": "3"})
    assert balance.json() == {"balance": "100.00"}
    # Without fmt=3 SMSC answers its text lines.
    assert httpx.post(f"{base}/smsc/sys/balance.php", data={"login": LOGIN, "psw": "x"}).text == \
        "ERROR = 2 (authorise error)"
    assert httpx.post(f"{base}/smsc/sys/sendsms.php", data={"login": LOGIN, "psw": PASSWORD}).status_code == 404
    assert server.messages() == []


def test_smsc_send_checks_every_parameter(sandbox):
    server, base = sandbox
    assert smsc(base, "send", mes="Привет").json() == {"error": "parameters error", "error_code": 1}
    assert smsc(base, "send", phones="+79161234567").json()["error_code"] == 1
    assert smsc(base, "send", phones="+79161234567", mes="я" * 1001).json()["error_code"] == 1
    assert smsc(base, "send", phones="+79161234567", mes="Привет", charset="cp866").json()["error_code"] == 1
    bad_number = smsc(base, "send", phones="8-916", mes="Привет").json()
    assert (bad_number["error"], bad_number["error_code"], type(bad_number["id"])) == ("invalid number", 7, int)
    denied = smsc(base, "send", phones="+79161234567", mes="Привет", sender="Bank").json()
    assert (denied["error_code"], "id" in denied) == (6, True)
    undeliverable = smsc(base, "send", phones=UNDELIVERABLE, mes="Привет").json()
    assert (undeliverable["error_code"], "id" in undeliverable) == (8, True)
    assert server.messages() == []

    sent = smsc(base, "send", phones="+79161234567", mes="Привет " * 20, sender=SENDER).json()
    assert sent == {"id": sent["id"], "cnt": 3}  # 140 Cyrillic characters: three parts of 67
    assert server.messages("smsc") == [{"provider": "smsc", "id": str(sent["id"]), "to": "+79161234567",
                                        "from": SENDER, "text": "Привет " * 20}]


def test_smsc_decodes_windows_1251_unless_told_utf_8(sandbox):
    server, base = sandbox
    httpx.post(f"{base}/smsc/sys/send.php", data={"login": LOGIN, "psw": PASSWORD, "fmt": "3",
                                                   "phones": "+79161234567", "mes": "Привет"})
    assert server.messages("smsc")[0]["text"] == "Привет".encode().decode("cp1251")


def test_smsc_faults_answer_as_smsc_does(sandbox):
    server, base = sandbox
    server.set_fault("smsc", "http_500")
    assert smsc(base, "balance").status_code == 500
    server.set_fault("smsc", "rate_limit")
    assert smsc(base, "balance").json() == {"error": "duplicate request, wait a minute", "error_code": 9}
    server.set_fault("smsc", "revoked")
    assert smsc(base, "balance").json()["error_code"] == 2
    assert smsc(base, "balance").json()["error_code"] == 2  # until switched off
    server.set_fault("smsc", "none")
    assert smsc(base, "balance").json() == {"balance": "100.00"}


def _client(server) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="client.test", timeout=5)
    return client


def _letter(**headers: str) -> EmailMessage:
    letter = EmailMessage()
    for name, value in {"From": FROM, "To": "ivan@example.com", "Subject": "Привет",
                        "Date": "Thu, 26 Nov 2026 18:00:00 +0000", "Message-ID": "<k1@fastlead.test>",
                        **headers}.items():
        if value:
            letter[name] = value
    letter.set_content("Текст письма", cte="quoted-printable")
    return letter


def test_smtp_wants_ehlo_then_auth_with_the_seeded_login(sandbox):
    server, _ = sandbox
    client = _client(server)
    assert client.docmd("AUTH", "PLAIN " + base64.b64encode(f"\0{USER}\0{SMTP_PASSWORD}".encode()).decode())[0] == 503
    client.ehlo()
    assert client.has_extn("auth")
    assert not client.has_extn("starttls")
    assert not client.has_extn("8bitmime")
    assert client.docmd("MAIL", f"FROM:<{FROM}>") == (530, b"5.7.0 Authentication required")
    with pytest.raises(smtplib.SMTPAuthenticationError) as wrong:
        client.login(USER, "wrong")
    assert (wrong.value.smtp_code, wrong.value.smtp_error) == (
        535, b"5.7.8 Error: authentication failed: Authentication credentials invalid")
    assert client.docmd("AUTH", "CRAM-MD5")[0] == 504
    assert client.docmd("AUTH", "LOGIN")[0] == 334
    assert client.docmd("*")[0] == 501  # cancelled
    client.user, client.password = USER, SMTP_PASSWORD
    assert client.auth("LOGIN", client.auth_login) == (235, b"2.7.0 Authentication successful")
    assert client.docmd("STARTTLS")[0] == 502
    client.quit()

    helo = _client(server)
    helo.helo()
    assert helo.docmd("AUTH", "PLAIN")[0] == 503  # HELO offers no extensions
    helo.quit()


def test_smtp_checks_the_envelope_and_the_message(sandbox):
    server, _ = sandbox
    client = _client(server)
    client.login(USER, SMTP_PASSWORD)
    assert client.docmd("RCPT", "TO:<ivan@example.com>")[0] == 503  # no MAIL yet
    assert client.docmd("MAIL", "FROM:<ceo@example.org>")[0] == 553  # not the account's address
    assert client.docmd("MAIL", f"FROM:{FROM}")[0] == 501
    assert client.docmd("MAIL", f"FROM:<{FROM}> BODY=8BITMIME")[0] == 555
    assert client.docmd("MAIL", f"FROM:<{FROM}>")[0] == 250
    assert client.docmd("DATA")[0] == 503  # no recipient yet
    assert client.docmd("RCPT", "TO:<not an address>")[0] == 501
    assert client.docmd("RCPT", f"TO:<{UNKNOWN_MAILBOX}>")[0] == 550
    client.rset()
    with pytest.raises(smtplib.SMTPDataError) as undated:
        client.send_message(_letter(Date=""), FROM, ["ivan@example.com"])
    assert undated.value.smtp_code == 550
    eight_bit = _letter()
    eight_bit.set_content("Текст письма", cte="8bit")
    with pytest.raises(smtplib.SMTPDataError) as raw:
        client.sendmail(FROM, ["ivan@example.com"], eight_bit.as_bytes(policy=policy.SMTP))
    assert raw.value.smtp_code == 554
    assert server.messages() == []

    assert client.send_message(_letter(), FROM, ["ivan@example.com"]) == {}
    client.quit()
    assert server.messages("smtp") == [{"provider": "smtp", "id": "<k1@fastlead.test>", "to": "ivan@example.com",
                                        "from": FROM, "subject": "Привет", "text": "Текст письма"}]


def test_smtp_lines_must_end_with_crlf(sandbox):
    server, _ = sandbox
    with socket.create_connection(("127.0.0.1", server.smtp_port), timeout=5) as raw:
        reader = raw.makefile("rb")
        assert reader.readline().startswith(b"220 ")
        raw.sendall(b"EHLO client.test\n")
        assert reader.readline().startswith(b"500 5.5.2")
        assert reader.readline() == b""  # and the session is over


def test_smtp_faults_act_on_the_next_connection(sandbox):
    server, base = sandbox
    assert httpx.post(f"{base}/_sandbox/faults", json={"provider": "smtp", "mode": "http_500"}).status_code == 200
    with pytest.raises(smtplib.SMTPConnectError) as down:
        _client(server)
    assert down.value.smtp_code == 421
    server.set_fault("smtp", "rate_limit")
    with pytest.raises(smtplib.SMTPConnectError, match="Too many connections"):
        _client(server)
    server.set_fault("smtp", "revoked")
    with pytest.raises(smtplib.SMTPAuthenticationError):
        _client(server).login(USER, SMTP_PASSWORD)
    server.set_fault("smtp", "none")
    client = _client(server)
    assert client.login(USER, SMTP_PASSWORD)[0] == 235
    client.quit()


def test_smtp_listens_on_loopback_only(sandbox):
    server, _ = sandbox
    with pytest.raises(ValueError, match="только loopback"):
        SmtpSandbox(("0.0.0.0", 0), server)  # noqa: S104
