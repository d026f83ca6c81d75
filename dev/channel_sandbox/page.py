"""The channel sandbox's own page, ``GET /_sandbox/``: the messages the providers accepted (refreshed every few
seconds), a form that makes a provider deliver a person's message to our app, one that makes Cal.com deliver a
booking, and the fault switches. On a phone the messages are cards, one line per field.

Plain HTML forms post to the control API's own addresses (form-encoded; JSON clients are unaffected) and come back
to the page with the outcome; a small inline script (allowed by its nonce) only refreshes the list of messages.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from datetime import datetime, time, timedelta
from html import escape
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit
from zoneinfo import ZoneInfo

from dev.channel_sandbox.calcom import BOOKING_HOST, EVENT_TYPES, TRIGGERS, USER

if TYPE_CHECKING:
    from dev.channel_sandbox.server import ChannelSandbox
    from dev.sandbox_http import SandboxHandler

FORM = "application/x-www-form-urlencoded"
PATH = "/_sandbox/"
FAULT_LABELS = {"none": "нет", "http_500": "ошибка 500", "rate_limit": "429 (лимит)",
                "timeout": "не отвечает", "revoked": "ключи отозваны"}
# Providers that deliver a person's message, the first one chosen: what «От кого» is for each.
INBOUND = {"twilio": "SMS (Twilio): номер в E.164, +79161234567",
           "telegram": "Telegram: chat id (число); «/start код» — как после ссылки на бота из виджета",
           "whatsapp": "WhatsApp: номер в E.164, +79161234567",
           "max": "MAX: user id (число; пусто — тестовый пользователь)",
           "sendgrid": "E-mail (SendGrid Inbound Parse): адрес клиента",
           "ses": "E-mail (Amazon SES через SNS): адрес клиента"}
COLUMNS = (("provider", "Провайдер"), ("to", "Кому"), ("from", "От кого"), ("text", "Текст"), ("id", "id"))
REDIRECTS = (301, 302, 303, 307, 308)
STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#0f172a;background:#f8fafc}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:12px 16px}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:6px 8px;
border-bottom:1px solid #e2e8f0;vertical-align:top}td.text{white-space:pre-wrap;word-break:break-word}
label{display:block;font-weight:600;margin:8px 0 2px}input,select{font:inherit;padding:6px 8px;width:100%;
box-sizing:border-box;border:1px solid #cbd5e1;border-radius:6px}button{font:inherit;padding:7px 14px;margin-top:10px;
border:0;border-radius:6px;background:#2563eb;color:#fff;cursor:pointer}.note{color:#475569;font-size:13px}
.result{background:#ecfdf5;border:1px solid #a7f3d0;padding:8px 12px;border-radius:8px;white-space:pre-wrap}
.grid{display:grid;gap:12px;grid-template-columns:repeat(auto-fill,minmax(240px,1fr))}
.wrap{overflow-x:auto}ul.note{margin:6px 0 0;padding-left:18px}
@media (max-width:640px){
main{padding:12px}.wrap{overflow:visible;padding:8px}table,tbody,tr,td{display:block;width:100%;box-sizing:border-box}
thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
tr{border:1px solid #e2e8f0;border-radius:8px;padding:4px 0;margin-bottom:8px}
td{display:grid;grid-template-columns:84px minmax(0,1fr);gap:8px;border:0;padding:3px 10px;overflow-wrap:anywhere}
td::before{content:attr(data-label);color:#475569;font-size:13px}td[colspan]{display:block}td[colspan]::before{content:none}
}
"""


def handles(handler: SandboxHandler, server: ChannelSandbox, method: str, name: str, raw: bytes,
            query: str) -> bool:
    """Serve the page or one of its forms; False for the JSON control API."""
    if method == "GET" and name == "":
        _page(handler, server, parse_qs(query).get("result", [""])[0])
        return True
    content_type = handler.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if method != "POST" or content_type != FORM or name not in ("faults", "inbound", "reset"):
        return False
    form = {key: values[0] for key, values in parse_qs(raw.decode(errors="replace")).items()}
    try:
        result = _act(server, name, form)
    except ValueError as exc:
        result = f"Не получилось: {exc}"
    handler._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": PATH + "?" + urlencode({"result": result})})
    return True


def _act(server: ChannelSandbox, name: str, form: dict[str, str]) -> str:
    provider = form.get("provider", "")
    if name == "reset":
        server.reset()
        return "Сообщения и переключатели сброшены."
    if name == "faults":
        times = form.get("times", "1")
        server.set_fault(provider, form.get("mode", ""), int(times) if times.isdigit() else -1)
        return f"{provider}: {FAULT_LABELS.get(form.get('mode', ''), '')}."
    params = {key: value for key, value in form.items() if value and key != "provider"}
    if provider == "calcom" and params.get("bookingUrl"):
        params["bookingUrl"] = _booking_page(params["bookingUrl"])
    answer = server.send_inbound(provider, params)
    return f"{provider}: вебхук доставлен, приложение ответило {answer['status']}.\n{answer['body'][:500]}"


def _page(handler: SandboxHandler, server: ChannelSandbox, result: str) -> None:
    nonce = secrets.token_urlsafe(16)
    providers = sorted(server.providers)
    switches = server.switches()
    options = "".join(f'<option value="{name}">{escape(hint.split(":")[0])}</option>'
                      for name, hint in INBOUND.items() if name in server.providers)
    hints = "".join(f"<li>{escape(hint)}</li>" for name, hint in INBOUND.items() if name in server.providers)
    fault_options = "".join(f'<option value="{mode}">{label}</option>' for mode, label in FAULT_LABELS.items())
    switch_forms = "".join(_switch(name, switches.get(name), fault_options) for name in providers)
    page = f"""<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Песочница каналов</title><style>{STYLE}</style></head><body><main>
<h1>Песочница каналов</h1>
<p class="note">Провайдеры SMS, e-mail, мессенджеров и Cal.com на этой машине. Только для разработки.
JSON: <code>GET {PATH}messages</code>, <code>POST {PATH}faults</code>, <code>POST {PATH}inbound</code>.</p>
{f'<p class="result" role="status">{escape(result)}</p>' if result else ''}
<h2>Отправленные сообщения <span class="note">(обновляются сами)</span></h2>
<section class="wrap"><table><thead><tr>{"".join(f"<th>{label}</th>" for _, label in COLUMNS)}
</tr></thead><tbody id="messages">{_rows(server.messages())}</tbody></table></section>
<h2>Входящее сообщение (как будто клиент ответил)</h2>
<section><form method="post" action="{PATH}inbound">
<label for="in-provider">Провайдер</label><select id="in-provider" name="provider">{options}</select>
<label for="in-from">От кого</label><input id="in-from" name="from" aria-describedby="in-from-hints"
 placeholder="+79161234567, chat id или e-mail">
<ul class="note" id="in-from-hints">{hints}</ul>
<label for="in-text">Текст</label><input id="in-text" name="text" required placeholder="Здравствуйте! Да, удобно">
<label for="in-url">Адрес вебхука (SMS, WhatsApp и e-mail)</label><input id="in-url" name="url"
 placeholder="http://demo.localhost:8000/channels/inbound/twilio/…">
<p class="note">Адрес вебхука канала — на странице «Каналы» в кабинете. Telegram и MAX знают его сами (setWebhook,
подписка).</p>
<button type="submit">Доставить в приложение</button></form></section>
{_booking_form()}
<h2>Сбои</h2>
<div class="grid">{switch_forms}</div>
<form method="post" action="{PATH}reset"><button type="submit">Сбросить всё</button></form>
</main>
<script nonce="{nonce}">
(function () {{
  var body = document.getElementById("messages");
  var labels = {json.dumps([label for _, label in COLUMNS], ensure_ascii=False)};
  function cell(text, i) {{
    var td = document.createElement("td"); td.textContent = text || ""; td.dataset.label = labels[i]; return td; }}
  function refresh() {{
    fetch("{PATH}messages").then(function (r) {{ return r.json(); }}).then(function (data) {{
      var rows = data.messages.slice().reverse().map(function (m) {{
        var tr = document.createElement("tr");
        [m.provider, m.to, m.from, m.text, m.id].forEach(function (v, i) {{
          var td = cell(v, i); if (i === 3) td.className = "text"; tr.appendChild(td); }});
        return tr;
      }});
      body.replaceChildren.apply(body, rows);
    }}).catch(function () {{}});
  }}
  setInterval(refresh, 3000);
}})();
</script></body></html>"""
    handler._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8", {
        "Content-Security-Policy": (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; "
                                    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'"),
        "X-Frame-Options": "DENY",
    })


def _rows(messages: list[dict]) -> str:
    if not messages:
        return '<tr><td colspan="5" class="note">Пока ничего не отправлено.</td></tr>'
    return "".join(
        "<tr>" + "".join(f'<td data-label="{label}"{" class=text" if key == "text" else ""}>'
                         f'{escape(str(message.get(key, "")))}</td>' for key, label in COLUMNS) + "</tr>"
        for message in reversed(messages))


def _booking_form() -> str:
    """Cal.com delivers a booking, not a message: its own form, the start proposed for tomorrow 10:00 in the
    sandbox calendar's time zone."""
    zone = ZoneInfo(str(USER["timeZone"]))
    start = datetime.combine(datetime.now(zone).date() + timedelta(days=1), time(10), zone).isoformat()
    events = "".join(f'<option value="{event}">{event}</option>' for event in TRIGGERS)
    slugs = ", ".join(f"{item['slug']} ({item['title']})" for item in EVENT_TYPES)
    return f"""<h2>Запись через Cal.com (как будто клиент записался)</h2>
<section><form method="post" action="{PATH}inbound"><input type="hidden" name="provider" value="calcom">
<label for="cal-event">Событие</label><select id="cal-event" name="event">{events}</select>
<label for="cal-url">Адрес вебхука</label><input id="cal-url" name="url" required
 placeholder="http://demo.localhost:8000/channels/calcom/…">
<label for="cal-secret">Секрет вебхука</label><input id="cal-secret" name="secret" autocomplete="off">
<p class="note">Адрес и секрет — в блоке «Онлайн-запись» на странице «Каналы» кабинета.</p>
<label for="cal-link">Ссылка на запись (для BOOKING_CREATED)</label><input id="cal-link" name="bookingUrl"
 aria-describedby="cal-link-note" placeholder="http://demo.localhost:8000/b/… или https://{BOOKING_HOST}/…">
<p class="note" id="cal-link-note">Из первого сообщения клиенту: короткую ссылку песочница откроет сама.
Полная — https://{BOOKING_HOST}/{USER["username"]}/&lt;тип встречи&gt;?… с name, email и metadata лида;
типы: {escape(slugs)}.</p>
<label for="cal-start">Время встречи (ISO 8601 с часовым поясом)</label><input id="cal-start" name="start"
 value="{start}">
<label for="cal-uid">uid записи (для переноса и отмены)</label><input id="cal-uid" name="uid"
 placeholder="из ответа приложения на запись">
<button type="submit">Записать</button></form></section>"""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the redirect's address is the answer


def _booking_page(link: str) -> str:
    """The booking page a link of the first message opens: the short ``/b/<code>`` link answers with a redirect to
    the prefilled Cal.com page, which the webhook is made from."""
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or parts.hostname == BOOKING_HOST:
        return link
    from dev.channel_sandbox.server import loopback_target  # the server imports this module

    target, host = loopback_target(link)
    request = urllib.request.Request(target, headers=host)  # noqa: S310 — http(s), checked above
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=5):
            pass
    except urllib.error.HTTPError as exc:
        if exc.code in REDIRECTS and exc.headers.get("Location"):
            return urljoin(link, exc.headers["Location"])
        raise ValueError(f"bookingUrl — короткая ссылка не открылась: HTTP {exc.code}.") from exc
    except (urllib.error.URLError, TimeoutError) as exc:
        raise ValueError(f"bookingUrl — короткая ссылка не открылась: {exc}.") from exc
    raise ValueError("bookingUrl — ссылка не ведёт на страницу записи Cal.com.")


def _switch(provider: str, current: dict | None, options: str) -> str:
    state = f"{FAULT_LABELS[current['mode']]} × {current['times']}" if current else "нет"
    name = escape(provider)
    return (f'<section><form method="post" action="{PATH}faults"><strong>{name}</strong>'
            f'<p class="note">Сейчас: {escape(state)}</p><input type="hidden" name="provider" value="{name}">'
            f'<label for="f-{name}">Сбой</label><select id="f-{name}" name="mode">{options}</select>'
            f'<label for="t-{name}">Сколько запросов</label><input id="t-{name}" name="times" value="1" '
            'inputmode="numeric"><button type="submit">Включить</button></form></section>')
