/*! Fast Lead widget, its panel: form, validation, sending. Loaded by widget.js when the visitor is about to open it. */
(function (w, d) {
  "use strict";
  var RETRY = [2000, 5000, 10000];
  var FIELDS = ["name", "phone", "email", "consentPersonalData"];
  var MSG = {
    net: "Не удалось отправить. Проверяем связь и повторим…",
    gaveUp: "Не удалось отправить заявку. Всё, что вы ввели, сохранено — проверьте интернет и нажмите «Повторить».",
    403: "Этот сайт не подключён к виджету, поэтому заявка не принята. Свяжитесь с компанией по телефону.",
    413: "Слишком много текста в заявке. Сократите его и отправьте ещё раз.",
    429: "Слишком много заявок подряд. Попробуйте ещё раз через минуту.",
    other: "Не удалось отправить заявку. Попробуйте позже.",
    check: "Проверьте выделенные поля.",
    pending: "Заявка ещё не отправлена: проверьте данные и нажмите «Отправить»."
  };

  var CSS =
    ".p{position:fixed;right:20px;bottom:84px;width:384px;max-width:calc(100vw - 40px);max-height:calc(100vh - 104px);" +
    "display:flex;flex-direction:column;overflow:hidden;background:var(--bg);border:1px solid var(--bd);border-radius:16px;" +
    "box-shadow:0 18px 50px rgba(15,23,42,.32);animation:fl .18s ease-out}@keyframes fl{from{opacity:0;transform:translateY(12px)}}" +
    ".l .p{right:auto;left:20px}.pv .p{position:absolute;max-height:calc(100% - 104px)}" +
    ".sm .p{top:0;right:0;bottom:0;left:0;width:auto;max-width:none;max-height:none;border:0;border-radius:0}" +
    ".h{display:flex;align-items:center;gap:10px;padding:10px 8px 10px 16px;background:var(--p);color:var(--pt)}" +
    ".h img{height:32px;width:auto;max-width:120px;border-radius:8px;object-fit:contain;background:#fff}" +
    ".h h2{flex:1;min-width:0;margin:0;font-size:17px;font-weight:700;line-height:1.3}" +
    ".x{width:44px;height:44px;flex:none;border:0;border-radius:10px;background:none;font-size:28px;line-height:1}" +
    ".x:hover{background:rgba(127,127,127,.25)}.h :focus-visible{outline-color:var(--pt);outline-offset:-4px}" +
    ".c{padding:16px;overflow-y:auto;overscroll-behavior:contain;-webkit-overflow-scrolling:touch}" +
    ".g{display:flex;gap:10px;align-items:flex-start;margin:0 0 12px}.g img{width:36px;height:36px;border-radius:50%;object-fit:cover}" +
    ".g p,.o{min-width:0;margin:0;padding:10px 12px;border-radius:4px 14px 14px;background:var(--sf)}" +
    ".o{margin:0 0 12px;border-radius:10px;border-left:4px solid #d97706;background:var(--wa)}" +
    ".q{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 14px}.q button{min-height:40px;padding:8px 14px;border:1px solid var(--p);" +
    "border-radius:999px;background:var(--bg);font-size:14px}.q [aria-pressed=true]{background:var(--p);color:var(--pt)}" +
    ".f{margin:0 0 12px}.f label{display:block;margin:0 0 4px;font-size:14px;font-weight:600}" +
    ".f input,.f select{display:block;width:100%;min-height:46px;padding:10px 12px;border:1px solid var(--bd);border-radius:10px;" +
    "background:var(--bg);font-size:16px;line-height:1.3}.f select{appearance:auto}" +
    "[aria-invalid=true]{border-color:var(--er)!important;box-shadow:0 0 0 1px var(--er)}" +
    ".e{margin:4px 0 0;color:var(--er);font-size:13px}.hi{margin:0 0 12px;color:var(--mu);font-size:13px}" +
    ".k{display:flex;gap:10px;align-items:flex-start;margin:0 0 10px;font-size:13px;color:var(--mu)}" +
    ".k input{width:20px;height:20px;flex:none;margin:1px 0 0;accent-color:var(--p)}.k label{cursor:pointer}.k a{color:inherit}" +
    ".s,.r{width:100%;min-height:48px;margin:4px 0 0;border:0;border-radius:12px;background:var(--p);color:var(--pt);font-size:16px;font-weight:700}" +
    ".s[disabled]{opacity:.65;cursor:progress}.r{width:auto;min-height:40px;padding:6px 18px;margin:8px 0 0;font-size:15px}" +
    ".t{margin:10px 0 0;font-size:14px}.t:empty{display:none}.t.er{color:var(--er)}" +
    ".ok{margin:8px 0;text-align:center;font-size:17px}.ok svg{display:block;width:56px;height:56px;margin:8px auto 12px;padding:12px;" +
    "flex:none;fill:none;stroke:currentColor;stroke-width:3;stroke-linecap:round;stroke-linejoin:round;border-radius:50%;" +
    "background:var(--p);color:var(--pt)}" +
    ".dn{text-align:center}.m{display:block;min-height:48px;margin:8px 0 0;padding:12px;border-radius:12px;background:var(--p);" +
    "color:var(--pt);font-size:16px;font-weight:700;text-decoration:none}" +
    ".ft{padding:7px;border-top:1px solid var(--bd);color:var(--mu);font-size:12px;text-align:center}" +
    ".hp{position:absolute!important;left:-10000px!important;width:1px;height:1px;overflow:hidden}";

  function minutes(s) { var m = /^(\d\d?):(\d\d)/.exec(s || ""); return m ? +m[1] * 60 + +m[2] : -1; }

  // Off hours: hours are enabled and "now" in the business's time zone is outside every interval of today.
  function offHours(bh) {
    if (!bh || !bh.enabled) return false;
    try {
      var o = {};
      new Intl.DateTimeFormat("en-US", {
        timeZone: bh.timezone || "Europe/Moscow", weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
      }).formatToParts(new Date()).forEach(function (p) { o[p.type] = p.value; });
      var now = (+o.hour % 24) * 60 + +o.minute, day = o.weekday.slice(0, 3).toLowerCase();
      var today = (bh.days || {})[day] || [];
      return !today.some(function (r) {
        var a = minutes(r[0]), b = minutes(r[1]);
        if (b === 0) b = 1440;
        return a >= 0 && (b > a ? now >= a && now < b : now >= a || now < b);
      });
    } catch (e) {
      return false;
    }
  }

  w.FastLeadWidget.definePanel(function (L, c, wrap, btn, root, pv, keep) {
    var h = L.h, icon = L.icon, url = L.url, store = L.store, CH = L.CH;
    var F = {}, E = {}, S = { tries: 0, topic: "", pending: false, busy: false, timer: 0, done: false };
    var draftKey = "fastlead:draft:" + c.key;
    var pan, form, status, submitBtn, offNote, quick, doneBox;
    wrap.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && pan && !pan.hidden) { e.stopPropagation(); close(); }
    });
    L.style(root, CSS, true);

    function field(name, label, type, ac, max, hint) {
      F[name] = h("input", {
        id: "f-" + name, name: name, type: type, autocomplete: ac, maxlength: max, inputmode: type === "tel" ? "tel" : null,
        spellcheck: type === "text" ? null : "false", "aria-describedby": "e-" + name + (hint ? " fl-h" : "")
      });
      E[name] = h("p", { class: "e", id: "e-" + name, hidden: true });
      return h("div", { class: "f" }, [h("label", { for: "f-" + name, text: label }), F[name], E[name]]);
    }

    function build() {
      var cpLabel = h("label", { for: "f-consentPersonalData", text: c.pd }), opts;
      F.consentPersonalData = h("input", {
        type: "checkbox", id: "f-consentPersonalData", name: "consentPersonalData", "aria-required": "true",
        "aria-describedby": "e-consentPersonalData"
      });
      E.consentPersonalData = h("p", { class: "e", id: "e-consentPersonalData", hidden: true });
      if (c.ch.length > 1) {
        opts = c.ch.map(function (x) { return h("option", { value: x, text: CH[x] }); });
        F.ch = h("select", { id: "f-ch", name: "preferredChannel" }, opts);
      }
      if (c.mk) F.mk = h("input", { type: "checkbox", id: "f-mk", name: "consentMarketing" });
      F.website = h("input", { id: "f-website", name: "website", type: "text", tabindex: "-1", autocomplete: "off" });
      submitBtn = h("button", { type: "submit", class: "s" });
      form = h("form", { novalidate: true, "aria-labelledby": "fl-t", onsubmit: submit, oninput: onEdit, onchange: onEdit }, [
        h("div", { class: "hp", "aria-hidden": "true" }, [h("label", { for: "f-website", text: "Ваш сайт" }), F.website]),
        field("name", "Ваше имя", "text", "name", 150),
        h("p", { class: "hi", id: "fl-h", text: "Телефон или e-mail — достаточно одного." }),
        field("phone", "Телефон", "tel", "tel", 32, true),
        field("email", "E-mail", "email", "email", 254, true),
        F.ch && h("div", { class: "f" }, [h("label", { for: "f-ch", text: "Как с вами связаться" }), F.ch]),
        h("div", { class: "k" }, [F.consentPersonalData, h("div", {}, [
          cpLabel, c.pp && " ", c.pp && h("a", { href: c.pp, target: "_blank", rel: "noopener noreferrer", text: "Политика конфиденциальности" }),
          E.consentPersonalData
        ])]),
        F.mk && h("div", { class: "k" }, [F.mk, h("label", { for: "f-mk", text: c.mt })]),
        submitBtn
      ]);
      quick = c.quick.length ? h("div", { class: "q", role: "group", "aria-label": "Быстрые ответы" }, c.quick.map(function (q) {
        return h("button", { type: "button", "aria-pressed": "false", text: q, onclick: pick });
      })) : null;
      offNote = h("p", { class: "o", hidden: true, text: c.off });
      status = h("div", { class: "t", role: "status", "aria-live": "polite" });
      doneBox = h("div", { class: "dn", hidden: true }, [h("button", { type: "button", class: "r", text: "Закрыть", onclick: function () { close(); } })]);
      var img = c.logo ? h("img", { src: c.logo, alt: "" }) : null;
      pan = h("div", { class: "p", id: "fl-p", role: "dialog", "aria-modal": "false", "aria-labelledby": "fl-t", hidden: true }, [
        h("div", { class: "h" }, [img, h("h2", { id: "fl-t", text: c.title }),
          h("button", { type: "button", class: "x", "aria-label": "Закрыть", text: "×", onclick: function () { close(); } })]),
        h("div", { class: "c" }, [
          c.greeting && h("div", { class: "g" }, [c.avatar && h("img", { src: c.avatar, alt: "" }), h("p", { text: c.greeting })]),
          offNote, quick, form, status, doneBox
        ]),
        h("div", { class: "ft", text: "Работает на Fast Lead" })
      ]);
      btn.setAttribute("aria-controls", "fl-p");
      wrap.appendChild(pan);
      restore(keep || (!pv && store(function (s) { return JSON.parse(s.getItem(draftKey)); })));
      label();
    }

    // --- draft: what the visitor typed survives failures and reloads ---------------------------------------
    function values() {
      return {
        name: F.name.value, phone: F.phone.value, email: F.email.value, ch: F.ch ? F.ch.value : "",
        cp: F.consentPersonalData.checked, mk: !!(F.mk && F.mk.checked), topic: S.topic, pending: S.pending, at: Date.now()
      };
    }
    function restore(v) {
      if (!v || (v.at && Date.now() - v.at > 7 * 864e5)) return;
      ["name", "phone", "email"].forEach(function (n) { if (typeof v[n] === "string") F[n].value = v[n]; });
      if (F.ch && CH[v.ch] && c.ch.indexOf(v.ch) >= 0) F.ch.value = v.ch;
      if (keep) { F.consentPersonalData.checked = !!v.cp; if (F.mk) F.mk.checked = !!v.mk; }
      if (v.topic) pick.call(Array.prototype.find.call(quick ? quick.children : [], function (b) { return b.textContent === v.topic; }));
      if (v.pending && !pv) say(MSG.pending, true);
    }
    function save() { if (!pv) store(function (s) { s.setItem(draftKey, JSON.stringify(values())); }); }
    function onEdit(e) {
      var n = e.target.name;
      if (E[n] && !E[n].hidden) err(n, "");
      save();
    }
    function pick() {
      if (!this || !quick) return;
      var on = this.getAttribute("aria-pressed") !== "true", me = this;
      Array.prototype.forEach.call(quick.children, function (b) { b.setAttribute("aria-pressed", String(on && b === me)); });
      S.topic = on ? this.textContent : "";
      save();
    }

    // --- validation, in Russian, before anything is sent --------------------------------------------------
    function err(n, text) {
      E[n].textContent = text;
      E[n].hidden = !text;
      if (text) F[n].setAttribute("aria-invalid", "true"); else F[n].removeAttribute("aria-invalid");
    }
    function phoneOk(p) {
      var digits = p.replace(/\D/g, "");
      return /^\+?[\d\s().-]+$/.test(p) && (p.indexOf("+") < 0 || /^\+7/.test(p)) &&
        (digits.length === 10 || (digits.length === 11 && /^[78]/.test(digits)));
    }
    function validate() {
      var v = values(), e = {};
      v.name = v.name.trim(); v.phone = v.phone.trim(); v.email = v.email.trim();
      if (!v.name) e.name = "Укажите, как к вам обращаться.";
      if (!v.phone && !v.email) e.phone = "Укажите телефон или e-mail, чтобы мы могли с вами связаться.";
      else if (v.phone && !phoneOk(v.phone)) e.phone = "Проверьте номер: нужен российский телефон, например +7 900 123-45-67.";
      if (v.email && !/^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(v.email)) e.email = "Проверьте e-mail, например name@mail.ru.";
      if (!v.cp) e.consentPersonalData = "Без согласия на обработку персональных данных мы не можем принять заявку.";
      return showErrors(e);
    }
    function showErrors(e) {
      var first = null;
      FIELDS.forEach(function (n) { err(n, e[n] || ""); if (e[n] && !first) first = F[n]; });
      if (first) { say(MSG.check, true); first.focus(); }
      return !first;
    }

    // --- sending -----------------------------------------------------------------------------------------
    function say(text, bad, retry) {
      status.textContent = text || "";
      status.className = "t" + (bad ? " er" : "");
      if (retry) {
        status.appendChild(d.createElement("br"));
        status.appendChild(h("button", { type: "button", class: "r", text: "Повторить", onclick: function () { submit(); } }));
      }
      if (text && status.scrollIntoView) status.scrollIntoView({ block: "nearest" });
    }
    function label() {
      var off = pv && keep && keep.off != null ? keep.off : offHours(c.bh);
      offNote.hidden = !off;
      submitBtn.textContent = S.busy ? "Отправляем…" : off ? "Заказать обратный звонок" : "Отправить заявку";
      submitBtn.disabled = S.busy;
      submitBtn.setAttribute("aria-busy", String(S.busy));
    }
    function submit(e, auto) {
      if (e && e.preventDefault) e.preventDefault();
      clearTimeout(S.timer);
      if (S.busy || S.done) return;
      if (!auto) S.tries = 0;
      if (!validate()) return;
      if (pv) return finish(c.success);
      send();
    }
    function payload() {
      var v = values(), body = {
        name: v.name.trim(), phone: v.phone.trim(), email: v.email.trim(), preferredChannel: F.ch ? v.ch : c.ch[0],
        consentPersonalData: true, consentMarketing: v.mk, consentVersion: c.cv, pageUrl: location.href.slice(0, 2000),
        utm: L.utm(), website: F.website.value, timeZone: zone()
      };
      if (S.topic) body.topic = S.topic;
      return body;
    }
    function zone() {
      try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; }
    }
    function send() {
      var ac = w.AbortController && new AbortController(), t = ac && setTimeout(function () { ac.abort(); }, 20000);
      S.busy = true;
      label();
      fetch(L.base + "/w/" + encodeURIComponent(c.key) + "/leads", {
        method: "POST", mode: "cors", credentials: "omit", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload()), signal: ac && ac.signal
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { clearTimeout(t); answer(r.status, j || {}); });
      }, function () { clearTimeout(t); answer(0, {}); });
    }
    function answer(code, j) {
      var e = j.error || {}, fields = e.fields || {}, extra = [];
      S.busy = false;
      label();
      if (code >= 200 && code < 300) {
        var links = j.bookingUrl ? [{ url: j.bookingUrl, label: "Выбрать время" }] : [];
        return finish(j.message || c.success, links.concat(Array.isArray(j.messengers) ? j.messengers : []));
      }
      if (!code || code >= 500 || code === 408) return failed();
      S.pending = false;
      save();
      if (code === 400 && Object.keys(fields).length) {
        var shown = {};
        Object.keys(fields).forEach(function (n) { if (E[n]) shown[n] = fields[n]; else extra.push(fields[n]); });
        showErrors(shown);
        if (extra.length || !Object.keys(shown).length) say([e.message || MSG.check].concat(extra).join(" "), true);
        return;
      }
      say((code !== 404 && e.message) || MSG[code] || MSG.other, true);
    }
    function failed() {
      S.pending = true;
      save();
      if (S.tries < RETRY.length) {
        say(MSG.net, true);
        S.timer = setTimeout(function () { submit(null, true); }, RETRY[S.tries++]);
      } else {
        say(MSG.gaveUp, true, true);
      }
    }
    // links: the answer's "messengers" — buttons that open the workspace's bot with this lead's one-time token.
    function finish(text, links) {
      S.done = true;
      S.pending = false;
      if (!pv) store(function (s) { s.removeItem(draftKey); });
      form.hidden = true;
      if (quick) quick.hidden = true;
      offNote.hidden = true;
      say("");
      status.className = "t ok";
      status.appendChild(icon("M5 12.5l4.5 4.5L19 7"));
      status.appendChild(d.createTextNode(text));
      (Array.isArray(links) ? links : []).forEach(function (m) {
        if (m && url(m.url) && m.label) {
          doneBox.insertBefore(h("a", { class: "m", href: url(m.url), target: "_blank", rel: "noopener", text: m.label }),
            doneBox.lastChild);
        }
      });
      doneBox.hidden = false;
      doneBox.firstChild.focus();
    }
    var onOnline = function () { if (S.pending && !S.busy && !S.done) submit(null, true); };
    if (!pv) w.addEventListener("online", onOnline);

    // --- open / close ------------------------------------------------------------------------------------
    function open(quiet) {
      if (!pan) build();
      var was = !pan.hidden;
      pan.hidden = false;
      btn.setAttribute("aria-expanded", "true");
      if (!S.done) label();
      if (quiet || was) return;
      var coarse = w.matchMedia && w.matchMedia("(pointer: coarse)").matches;
      (S.done ? doneBox.firstChild : coarse ? pan.querySelector(".x") : F.name).focus();
    }
    function close() {
      if (!pan || pan.hidden) return;
      pan.hidden = true;
      btn.setAttribute("aria-expanded", "false");
      btn.focus();
    }
    return {
      open: open, close: close, shown: function () { return !!pan && !pan.hidden; },
      snapshot: function () { return pan ? values() : keep; },
      destroy: function () { w.removeEventListener("online", onOnline); }
    };
  });
})(window, document);
