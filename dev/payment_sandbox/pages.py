"""The sandbox's HTML: hosted checkout, 3-D Secure, results and the index page (Russian, no external assets)."""

from __future__ import annotations

from html import escape

from core.text import rubles
from dev.payment_sandbox.cards import CARDS, THREE_DS_CODES

TITLES = {"yookassa": "ЮKassa", "tinkoff": "Т-Банк"}

PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f1f5f9;margin:0;padding:1.5rem 1rem;color:#0f172a}}
main{{max-width:28rem;margin:0 auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 3px #0002}}
main.wide{{max-width:48rem}}
h1{{font-size:1.25rem;margin:0 0 .5rem}} h2{{font-size:1rem;margin:1.25rem 0 .5rem}}
p,li,td,th{{font-size:.9rem}} p.muted{{color:#475569}} code{{font-size:.85rem}}
.sum{{font-size:1.75rem;font-weight:600;margin:.75rem 0;white-space:nowrap}}
label{{display:block;margin:.75rem 0 .25rem;font-size:.9rem}}
input{{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #cbd5e1;border-radius:8px;font-size:1.05rem}}
input[aria-invalid=true]{{border-color:#b91c1c}}
.row{{display:flex;gap:.75rem}} .row>div{{flex:1}}
.field-error{{color:#b91c1c;font-size:.8rem;margin:.25rem 0 0}}
button{{width:100%;margin-top:1.25rem;padding:.75rem;border-radius:8px;border:1px solid #cbd5e1;background:#fff;
font-size:1rem;cursor:pointer}}
button.primary{{background:#2563eb;border-color:#2563eb;color:#fff}}
button.link{{border:0;background:none;color:#2563eb;text-decoration:underline;margin-top:.75rem;padding:.25rem}}
.error{{color:#b91c1c;background:#fef2f2;border:1px solid #fecaca;border-radius:8px;padding:.5rem}}
.ok{{color:#166534;background:#f0fdf4;border:1px solid #bbf7d0;border-radius:8px;padding:.5rem}}
.cards{{margin-top:1.5rem;padding:.75rem;background:#f8fafc;border-radius:8px}}
.cards ul{{margin:.25rem 0 0;padding-left:1.1rem}} .cards li{{margin:.25rem 0}}
table{{border-collapse:collapse;width:100%}} td,th{{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #e2e8f0;
vertical-align:top}}
</style></head><body><main{main_class}>{body}</main></body></html>"""


def page(title: str, body: str, *, wide: bool = False) -> str:
    return PAGE.format(title=escape(title), body=body, main_class=' class="wide"' if wide else "")


def _spaced(number: str) -> str:
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))


def _card_list(provider: str) -> str:
    items = "".join(
        f"<li><code>{_spaced(card.number)}</code> — {escape(card.label)}</li>" for card in CARDS[provider].values()
    )
    return (
        '<section class="cards" aria-label="Тестовые карты"><b>Тестовые карты</b>'
        f"<ul>{items}</ul><p class=\"muted\">Срок — любой будущий (например, 12/30), CVC — любые три цифры.</p>"
        "</section>"
    )


def _header(provider: str, shop: str, description: str, amount: int) -> str:
    return (
        f"<p class=\"muted\">{TITLES[provider]} · песочница · {escape(shop)}</p>"
        f"<h1>{escape(description) or 'Оплата заказа'}</h1>"
        f'<p class="sum">{rubles(amount)}</p>'
    )


def checkout_page(
    provider: str, *, shop: str, description: str, amount: int, action: str, abandon_action: str,
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
) -> str:
    """The card form: number, MM/YY, CVC, "Оплатить" and "Вернуться в магазин без оплаты"."""
    values, errors = values or {}, errors or {}

    def field(name: str, label: str, **attrs: str) -> str:
        error = errors.get(name, "")
        extra = "".join(f' {key.replace("_", "-")}="{escape(value)}"' for key, value in attrs.items())
        invalid = f' aria-invalid="true" aria-describedby="{name}-error"' if error else ""
        note = f'<p class="field-error" id="{name}-error">{escape(error)}</p>' if error else ""
        return (f'<label for="{name}">{label}</label><input id="{name}" name="{name}" required '
                f'value="{escape(values.get(name, ""))}"{extra}{invalid}>{note}')

    alert = ('<p class="error" role="alert">Проверьте данные карты.</p>' if errors else "")
    body = (
        _header(provider, shop, description, amount) + alert
        + f'<form method="post" action="{escape(action)}" novalidate>'
        + field("number", "Номер карты", inputmode="numeric", autocomplete="cc-number", maxlength="23",
                placeholder="0000 0000 0000 0000")
        + '<div class="row"><div>'
        + field("expiry", "Срок действия", inputmode="numeric", autocomplete="cc-exp", maxlength="5",
                placeholder="ММ/ГГ")
        + "</div><div>"
        + field("cvc", "CVC", inputmode="numeric", autocomplete="cc-csc", maxlength="3", placeholder="123")
        + "</div></div>"
        + f'<button type="submit" class="primary">Оплатить {rubles(amount)}</button></form>'
        + f'<form method="post" action="{escape(abandon_action)}">'
        + '<button type="submit" class="link">Вернуться в магазин без оплаты</button></form>'
        + _card_list(provider)
    )
    return page(f"Оплата — {TITLES[provider]} (песочница)", body)


def three_ds_page(provider: str, *, shop: str, description: str, amount: int, action: str, error: str = "") -> str:
    """The issuer's 3-D Secure code page."""
    alert = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        _header(provider, shop, description, amount)
        + "<h2>3-D Secure</h2><p>Банк просит подтвердить оплату кодом из SMS.</p>"
        + f'<p class="muted">В песочнице код: <code>{THREE_DS_CODES[provider]}</code>. '
        "Другой код или «Отменить» — отказ 3-D Secure.</p>"
        + alert
        + f'<form method="post" action="{escape(action)}">'
        '<label for="code">Код подтверждения</label>'
        '<input id="code" name="code" autocomplete="one-time-code" maxlength="16" required autofocus>'
        '<button type="submit" class="primary" name="action" value="confirm">Подтвердить</button>'
        '<button type="submit" name="action" value="cancel" formnovalidate>Отменить</button></form>'
    )
    return page("3-D Secure — песочница", body)


def result_page(provider: str, *, status: str, paid: bool, reason: str = "", link: str = "") -> str:
    """A finished payment with nowhere to redirect to (or opened again after it finished)."""
    if paid:
        message = f'<p class="ok" role="status">Оплата прошла (статус {escape(status)}).</p>'
    else:
        detail = f": {escape(reason)}" if reason else ""
        message = f'<p class="error" role="alert">Оплата не прошла (статус {escape(status)}){detail}.</p>'
    back = f'<p><a href="{escape(link)}">Вернуться в магазин</a></p>' if link else ""
    return page(f"Платёж — {TITLES[provider]} (песочница)", f"<h1>Платёж завершён</h1>{message}{back}")


def not_found_page() -> str:
    return page("Платёж не найден", '<h1>Платёж не найден</h1><p class="error" role="alert">'
                "Такого платежа в песочнице нет: возможно, её перезапустили или сбросили.</p>")


def _tinkoff_switches(tinkoff: dict) -> str:
    error = tinkoff["charge_error"]
    parts = [
        "терминал двухстадийный (без PayType=O платёж останавливается на AUTHORIZED)" if tinkoff["two_stage"]
        else "терминал одностадийный",
        "Charge включён" if tinkoff["charge_enabled"] else "Charge отключён (ErrorCode 10)",
    ]
    if error["code"] != "none":
        parts.append(f"Charge × {error['times']} отвечает ErrorCode {escape(error['code'])}, а платёж проходит "
                     f"после {error['settle_after_reads']} чтений статуса")
    return "; ".join(parts)


def index_page(base_url: str, *, shop_id: str, terminal_key: str, webhook_url: str, switches: dict) -> str:
    """What a developer sees when opening the sandbox URL."""
    base = escape(base_url)
    rows = "".join(
        f"<tr><td>{TITLES[provider]}</td><td><code>{_spaced(card.number)}</code></td><td>{escape(card.label)}</td></tr>"
        for provider in ("yookassa", "tinkoff") for card in CARDS[provider].values()
    )
    faults = ", ".join(
        f"{TITLES[name]}: {escape(fault['mode'])}"
        + (f" × {fault['times']}" if fault["mode"] != "none" else "")
        for name, fault in switches["faults"].items()
    )
    notifications = switches["notifications"]
    body = (
        "<h1>Платёжная песочница Fast Lead</h1>"
        "<p class=\"muted\">Локальные ЮKassa (API v3) и Т-Банк (Acquiring API v2) для разработки и тестов. "
        "Деньги не списываются.</p>"
        "<h2>Адреса</h2><ul>"
        f"<li>ЮKassa: <code>{base}/yookassa/v3</code>, shopId <code>{escape(shop_id)}</code></li>"
        f"<li>Т-Банк: <code>{base}/tinkoff/v2</code>, TerminalKey <code>{escape(terminal_key)}</code></li>"
        f"<li>Уведомления ЮKassa: <code>{escape(webhook_url) or 'не заданы'}</code>; "
        "Т-Банк шлёт на NotificationURL из Init</li></ul>"
        f"<h2>Тестовые карты</h2><table><tr><th>Касса</th><th>Номер</th><th>Что будет</th></tr>{rows}</table>"
        f"<p>Коды 3-D Secure: ЮKassa <code>{THREE_DS_CODES['yookassa']}</code>, "
        f"Т-Банк <code>{THREE_DS_CODES['tinkoff']}</code>.</p>"
        "<h2>Переключатели сейчас</h2><ul>"
        f"<li>Сбои API: {faults}</li>"
        f"<li>Дубли уведомлений: {'да' if notifications['duplicate'] else 'нет'}; "
        f"не по порядку: {'да' if notifications['out_of_order'] else 'нет'}; "
        f"теряются: {'да' if notifications['lost'] else 'нет'}</li>"
        f"<li>Автоплатежи: {escape(switches['autopay'])}"
        f"{'; ЮKassa отвечает pending до settle' if switches['autopay_pending'] else ''}</li>"
        f"<li>Т-Банк: {_tinkoff_switches(switches['tinkoff'])}</li></ul>"
        "<h2>Управление (JSON, POST)</h2><ul>"
        f'<li><code>{base}/_sandbox/faults</code> {{"provider": "yookassa"|"tinkoff", '
        '"mode": "http_500"|"timeout"|"none", "times": N, "delay": секунды}</li>'
        f'<li><code>{base}/_sandbox/notifications</code> {{"duplicate": true, "out_of_order": true, '
        '"lost": true}</li>'
        f'<li><code>{base}/_sandbox/autopay</code> {{"outcome": "card"|"success"|"insufficient_funds"|'
        '"declined"|"permission_revoked", "pending": true|false}</li>'
        f'<li><code>{base}/_sandbox/settle</code> {{"id": необязательно}} — решить ожидающие автоплатежи ЮKassa</li>'
        f'<li><code>{base}/_sandbox/tinkoff</code> {{"two_stage": true|false, "charge_enabled": true|false, '
        '"charge_error": "3"|"9999"|"none", "times": N, "settle_after_reads": N}</li>'
        f'<li><code>{base}/_sandbox/complete</code> {{"provider", "id", "card", "code"}} или '
        '{"provider", "id", "abandon": true}</li>'
        f"<li><code>{base}/_sandbox/reset</code></li></ul>"
        f"<p>Просмотр (GET): <code>{base}/_sandbox/payments</code>, <code>{base}/_sandbox/deliveries</code>.</p>"
    )
    return page("Платёжная песочница", body, wide=True)
