"""The sandbox's HTTP server: routing, fault injection, checkout pages and the control API."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from dev.payment_sandbox import pages
from dev.payment_sandbox.cards import OUTCOMES, THREE_DS_CODES, read_card_form, sandbox_entry
from dev.payment_sandbox.common import Reply, Step
from dev.payment_sandbox.notify import Notifier
from dev.payment_sandbox.tinkoff import Tinkoff
from dev.payment_sandbox.yookassa import YooKassa, error_body
from dev.sandbox_http import LoopbackServer, SandboxHandler

logger = logging.getLogger(__name__)

DEFAULT_YOOKASSA = ("100500", "test_sandbox_secret")
DEFAULT_TINKOFF = ("1234567890DEMO", "SandboxPass123")
PROVIDERS = ("yookassa", "tinkoff")
FAULT_MODES = ("none", "http_500", "timeout")
MAX_BODY_BYTES = 64 * 1024
MAX_FAULT_TIMES = 1000
MAX_FAULT_DELAY = 600.0


@dataclass
class _Fault:
    mode: str = "none"
    times: int = 0
    delay: float = 0.0


class PaymentSandbox(LoopbackServer):
    """YooKassa v3 and T-Bank v2 on one loopback port, with hosted checkout pages and a control API."""

    def __init__(
        self,
        address: tuple[str, int],
        *,
        yookassa_credentials: tuple[str, str] = DEFAULT_YOOKASSA,
        tinkoff_credentials: tuple[str, str] = DEFAULT_TINKOFF,
        yookassa_webhook_url: str = "",
        shop_name: str = "Fast Lead",
        notify_attempts: int = 3,
        notify_retry_delay: float = 0.5,
        notify_timeout: float = 5.0,
    ) -> None:
        super().__init__(address, _Handler, name="Платёжная песочница")
        self.shop_name = shop_name
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._switch_lock = threading.Lock()
        self._faults = {provider: _Fault() for provider in PROVIDERS}
        self.notifier = Notifier(attempts=notify_attempts, retry_delay=notify_retry_delay, timeout=notify_timeout,
                                 stopping=self._stopping)
        self.yookassa = YooKassa(*yookassa_credentials, self.base_url, yookassa_webhook_url)
        self.tinkoff = Tinkoff(*tinkoff_credentials, self.base_url)

    @property
    def yookassa_webhook_url(self) -> str:
        return self.yookassa.webhook_url

    @yookassa_webhook_url.setter
    def yookassa_webhook_url(self, url: str) -> None:
        self.yookassa.webhook_url = url

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> None:
        # A short poll interval: stop() waits up to one interval, and tests start and stop many sandboxes.
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="payment-sandbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (wakes hung faults), stop the notifier and close the socket."""
        self._stopping.set()
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
        self.notifier.close()
        self.server_close()

    # --- switches and control --------------------------------------------------------------------------

    def set_fault(self, provider: str, mode: str, times: int = 1, delay: float = 0.0) -> None:
        """The next ``times`` API calls to ``provider`` answer HTTP 500, or hang ``delay`` s and then answer."""
        if provider not in PROVIDERS:
            raise ValueError("provider — yookassa или tinkoff.")
        if mode not in FAULT_MODES:
            raise ValueError("mode — http_500, timeout или none.")
        if isinstance(times, bool) or not isinstance(times, int) or not 0 <= times <= MAX_FAULT_TIMES:
            raise ValueError(f"times — целое число от 0 до {MAX_FAULT_TIMES}.")
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= MAX_FAULT_DELAY:
            raise ValueError(f"delay — число секунд от 0 до {MAX_FAULT_DELAY:g}.")
        with self._switch_lock:
            self._faults[provider] = _Fault(mode, times, float(delay)) if mode != "none" and times else _Fault()

    def take_fault(self, provider: str) -> _Fault:
        """The fault this API call suffers (mode "none" when there is none); counts it down."""
        with self._switch_lock:
            fault = self._faults[provider]
            if fault.mode == "none" or fault.times <= 0:
                return _Fault()
            fault.times -= 1
            taken = _Fault(fault.mode, 1, fault.delay)
            if fault.times == 0:
                self._faults[provider] = _Fault()
            return taken

    def hang(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def set_notifications(self, *, duplicate: bool | None = None, out_of_order: bool | None = None,
                          lost: bool | None = None) -> None:
        """Send every notification twice; send each batch in reverse (T-Bank CONFIRMED before AUTHORIZED);
        lose every notification (none is sent, each is recorded as lost)."""
        if duplicate is not None:
            self.notifier.duplicate = bool(duplicate)
        if out_of_order is not None:
            self.notifier.out_of_order = bool(out_of_order)
        if lost is not None:
            self.notifier.lost = bool(lost)

    def set_autopay(self, outcome: str | None = None, *, pending: bool | None = None) -> None:
        """Override the result of later autopayments and Charges; "card" uses the saved card's own result.

        ``pending``: YooKassa autopayments answer ``pending`` and stay so until :meth:`settle`.
        """
        if outcome is None and pending is None:
            raise ValueError("Укажите outcome и/или pending.")
        if outcome is not None:
            if outcome not in ("card", *OUTCOMES):
                raise ValueError(f"outcome — одно из: card, {', '.join(OUTCOMES)}.")
            self.yookassa.autopay_override = outcome
            self.tinkoff.autopay_override = outcome
        if pending is not None:
            self.yookassa.autopay_pending = bool(pending)

    def settle(self, payment_id: str = "") -> list[dict]:
        """Decide pending YooKassa autopayments (all, or one) and send their notifications; returns them."""
        settled, notices = self.yookassa.settle(payment_id)
        self.notifier.send(notices)
        return settled

    def switches(self) -> dict:
        with self._switch_lock:
            faults = {provider: asdict(fault) for provider, fault in self._faults.items()}
        return {
            "faults": faults,
            "notifications": {"duplicate": self.notifier.duplicate, "out_of_order": self.notifier.out_of_order,
                              "lost": self.notifier.lost},
            "autopay": self.yookassa.autopay_override,
            "autopay_pending": self.yookassa.autopay_pending,
            "tinkoff": self.tinkoff.switches(),
        }

    def complete(
        self, provider: str, payment_id: str, card: str = "", code: str | None = None, *, abandon: bool = False
    ) -> dict:
        """Do what the checkout form does (notifications included); returns the final payment.

        A 3-D Secure card gets the right code unless ``code`` says otherwise. Raises LookupError for
        an unknown payment and ValueError for an unknown card or a payment that is already final.
        """
        if provider not in PROVIDERS:
            raise ValueError("provider — yookassa или tinkoff.")
        emulator = self.emulator(provider)
        if abandon:
            step = emulator.abandon(payment_id)
        else:
            entry = sandbox_entry(provider, card)
            if entry is None:
                raise ValueError(f"Карта {card!r} не из списка тестовых карт {pages.TITLES[provider]}.")
            step = emulator.pay(payment_id, entry)
            if step.kind == "3ds":
                step = emulator.confirm_3ds(payment_id, THREE_DS_CODES[provider] if code is None else code)
        if step.kind == "missing":
            raise LookupError(f"Платёж {payment_id} не найден.")
        if step.kind == "closed":
            raise ValueError(f"Платёж {payment_id} уже завершён.")
        self.notifier.send(step.notices)
        return step.payment or {}

    def emulator(self, provider: str) -> YooKassa | Tinkoff:
        return self.yookassa if provider == "yookassa" else self.tinkoff

    def payments(self) -> dict[str, list[dict]]:
        return {"yookassa": self.yookassa.payments(), "tinkoff": self.tinkoff.payments()}

    def deliveries(self) -> list[dict]:
        """Every notification attempt, oldest first."""
        return self.notifier.deliveries()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait for the notifications queued by API calls (autopayments, Charge, Cancel) to be sent."""
        return self.notifier.wait_idle(timeout)

    def reset(self) -> None:
        """Forget payments, saved cards, idempotence keys and deliveries; switch every fault off."""
        self.yookassa.reset()
        self.tinkoff.reset()
        self.notifier.clear()
        self.set_notifications(duplicate=False, out_of_order=False, lost=False)
        with self._switch_lock:
            self._faults = {provider: _Fault() for provider in PROVIDERS}


class _Handler(SandboxHandler):
    server: PaymentSandbox
    server_version = "FastLeadPaymentSandbox/1.0"
    protocol_version = "HTTP/1.1"
    timeout = 30
    log_name = "payment_sandbox"

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path.rstrip("/") or "/"
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = MAX_BODY_BYTES + 1
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "Тело запроса больше 64 КиБ или без длины."})
            return
        self.raw = self.rfile.read(length) if length > 0 else b""
        if path == "/" and method == "GET":
            self._index()
        elif path.startswith("/yookassa/v3/"):
            self._api("yookassa", lambda: self.server.yookassa.handle(
                method, path.removeprefix("/yookassa/v3"), self.headers.get("Authorization") or "",
                self.headers.get("Idempotence-Key") or "", self.raw))
        elif path.startswith("/tinkoff/v2/") and method == "POST":
            self._api("tinkoff", lambda: self.server.tinkoff.handle(path.removeprefix("/tinkoff/v2/"), self.raw))
        elif path.startswith("/checkout/"):
            self._checkout(method, path.split("/")[2:])
        elif path.startswith("/_sandbox/"):
            self._control(method, path.removeprefix("/_sandbox/"))
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "Нет такого адреса в песочнице."})

    # --- provider APIs ----------------------------------------------------------------------------------

    def _api(self, provider: str, run: Callable[[], Reply]) -> None:
        fault = self.server.take_fault(provider)
        if fault.mode == "http_500":
            if provider == "yookassa":
                self._json(HTTPStatus.INTERNAL_SERVER_ERROR,
                           error_body("internal_server_error", "Internal server error"))
            else:
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, b"Internal Server Error", "text/plain; charset=utf-8")
            return
        reply = run()
        answered = threading.Event()
        self.server.notifier.send_later(reply.notices, answered)
        if fault.mode == "timeout":
            # The request has taken effect and is notified about; only the answer is late (or never
            # read by a client that gave up).
            answered.set()
            self.server.hang(fault.delay)
        self._json(reply.status, reply.body)
        answered.set()

    # --- hosted checkout --------------------------------------------------------------------------------

    def _checkout(self, method: str, parts: list[str]) -> None:
        if len(parts) not in (2, 3) or parts[0] not in PROVIDERS or (len(parts) == 3 and parts[2] not in (
                "3ds", "abandon")):
            self._html(HTTPStatus.NOT_FOUND, pages.not_found_page())
            return
        provider, payment_id, action = parts[0], parts[1], (parts[2] if len(parts) == 3 else "pay")
        emulator = self.server.emulator(provider)
        if method == "GET":
            self._checkout_page(provider, payment_id, action)
            return
        form = {key: values[0] for key, values in parse_qs(self.raw.decode("utf-8", "replace")).items()}
        if action == "abandon":
            self._after(provider, payment_id, emulator.abandon(payment_id))
        elif action == "3ds":
            code = None if form.get("action") == "cancel" else form.get("code", "")
            self._after(provider, payment_id, emulator.confirm_3ds(payment_id, code))
        else:
            entry, errors = read_card_form(provider, form.get("number", ""), form.get("expiry", ""),
                                           form.get("cvc", ""))
            if entry is None:
                self._checkout_page(provider, payment_id, "pay", values=form, errors=errors)
                return
            self._after(provider, payment_id, emulator.pay(payment_id, entry))

    def _checkout_page(self, provider: str, payment_id: str, action: str, *, values: dict | None = None,
                       errors: dict | None = None) -> None:
        if provider == "tinkoff":
            info = self.server.tinkoff.checkout_info(payment_id, opened=action == "pay")
            shop = f"терминал {self.server.tinkoff.terminal_key}"
        else:
            info = self.server.yookassa.checkout_info(payment_id)
            shop = f"{self.server.shop_name}, shopId {self.server.yookassa.shop_id}"
        if info is None:
            self._html(HTTPStatus.NOT_FOUND, pages.not_found_page())
            return
        base = f"/checkout/{provider}/{payment_id}"
        if not info["open"]:
            paid = info["status"] in ("succeeded", "waiting_for_capture", "AUTHORIZED", "CONFIRMED")
            self._html(HTTPStatus.OK, pages.result_page(
                provider, status=info["status"], paid=paid, reason=info["error"], link=info["return_url"]))
        elif action == "3ds" and info["three_ds"]:
            self._html(HTTPStatus.OK, pages.three_ds_page(
                provider, shop=shop, description=info["description"], amount=info["amount"], action=f"{base}/3ds"))
        elif action != "pay":
            self._redirect(base)
        else:
            status = HTTPStatus.BAD_REQUEST if errors else HTTPStatus.OK
            self._html(status, pages.checkout_page(
                provider, shop=shop, description=info["description"], amount=info["amount"], action=base,
                abandon_action=f"{base}/abandon", values=values, errors=errors))

    def _after(self, provider: str, payment_id: str, step: Step) -> None:
        """Deliver the outcome's notifications first, then send the browser on."""
        if step.kind == "missing":
            self._html(HTTPStatus.NOT_FOUND, pages.not_found_page())
            return
        if step.kind == "3ds":
            self._redirect(f"/checkout/{provider}/{payment_id}/3ds")
            return
        self.server.notifier.send(step.notices)
        if step.redirect:
            self._redirect(step.redirect)
        else:
            self._checkout_page(provider, payment_id, "pay")

    # --- control API ------------------------------------------------------------------------------------

    def _control(self, method: str, name: str) -> None:
        server = self.server
        if method == "GET" and name == "payments":
            self._json(HTTPStatus.OK, server.payments())
            return
        if method == "GET" and name == "deliveries":
            self._json(HTTPStatus.OK, {"deliveries": server.deliveries()})
            return
        if method != "POST" or name not in ("faults", "notifications", "autopay", "complete", "settle", "tinkoff",
                                            "reset"):
            self._json(HTTPStatus.NOT_FOUND, {"error": "Нет такой команды песочницы."})
            return
        body = self._json_object(self.raw)
        if body is None:
            return
        try:
            if name == "complete":
                code = body.get("code")
                payment = server.complete(
                    str(body.get("provider", "")), str(body.get("id", "")), str(body.get("card", "")),
                    None if code is None else str(code), abandon=body.get("abandon") is True)
                self._json(HTTPStatus.OK, payment)
                return
            if name == "settle":
                self._json(HTTPStatus.OK, {"settled": server.settle(str(body.get("id", "")))})
                return
            if name == "faults":
                server.set_fault(str(body.get("provider", "")), str(body.get("mode", "")), body.get("times", 1),
                                 body.get("delay", 0.0))
            elif name == "notifications":
                server.set_notifications(duplicate=body.get("duplicate"), out_of_order=body.get("out_of_order"),
                                         lost=body.get("lost"))
            elif name == "tinkoff":
                server.tinkoff.configure(
                    two_stage=body.get("two_stage"), charge_enabled=body.get("charge_enabled"),
                    charge_error=None if body.get("charge_error") is None else str(body["charge_error"]),
                    times=body.get("times", 1), settle_after_reads=body.get("settle_after_reads", 0))
            elif name == "autopay":
                outcome, pending = body.get("outcome"), body.get("pending")
                server.set_autopay(None if outcome is None else str(outcome),
                                   pending=None if pending is None else pending is True)
            else:
                server.reset()
        except LookupError as exc:
            self._json(HTTPStatus.NOT_FOUND, {"error": str(exc)})
            return
        except ValueError as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        self._json(HTTPStatus.OK, server.switches())

    def _index(self) -> None:
        server = self.server
        self._html(HTTPStatus.OK, pages.index_page(
            server.base_url, shop_id=server.yookassa.shop_id, terminal_key=server.tinkoff.terminal_key,
            webhook_url=server.yookassa_webhook_url, switches=server.switches()))


def start_sandbox(host: str = "127.0.0.1", port: int = 0, **kwargs) -> tuple[PaymentSandbox, str]:
    """Serve a sandbox from a daemon thread; returns it and its base URL (no trailing slash).

    ``kwargs`` go to :class:`PaymentSandbox` (credentials, ``yookassa_webhook_url``, notification
    retry settings). Stop it with :func:`stop_sandbox`.
    """
    server = PaymentSandbox((host, port), **kwargs)
    server.start()
    return server, server.base_url


def stop_sandbox(server: PaymentSandbox) -> None:
    server.stop()
