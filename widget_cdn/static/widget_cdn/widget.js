/*! Fast Lead widget: lead form for a client's site. No dependencies, ES2019, closed Shadow DOM. */
// What a page loads first: the button, the published config and the public API. The panel (form, validation,
// sending) is panel.js, fetched once the visitor points at or focuses the button, or opens the widget; a click
// before it arrives opens the panel when it does. The loader names panel.js's address in data-panel.
(function (w, d) {
  "use strict";
  if (w.FastLeadWidget) return;

  var me = d.currentScript;
  var KEY = w.FastLeadKey || (me && me.getAttribute("data-key")) || "";
  var BASE = String(w.FastLeadBase || (me && me.getAttribute("data-base")) || (me && me.src ? new URL(me.src).origin : ""))
    .replace(/\/+$/, "");
  var PANEL = me && me.getAttribute("data-panel");
  var CH = { web: "Перезвоните мне", sms: "SMS", email: "E-mail", telegram: "Telegram", whatsapp: "WhatsApp", max: "MAX" };

  var CSS =
    ":host{all:initial!important;display:block!important;position:fixed!important;z-index:2147483647!important;" +
    "right:0!important;bottom:0!important;width:0!important;height:0!important;margin:0!important;padding:0!important;" +
    "border:0!important;overflow:visible!important;visibility:visible!important;opacity:1!important;transform:none!important;" +
    "filter:none!important;pointer-events:auto!important}" +
    ":host(.pv){position:relative!important;z-index:auto!important;width:100%!important;height:100%!important;min-height:560px!important}" +
    ".w{--p:#2563eb;--pt:#fff;--bg:#fff;--fg:#0f172a;--mu:#475569;--bd:#94a3b8;--sf:#f1f5f9;--er:#b91c1c;--wa:#fef3c7;" +
    "font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:var(--fg);" +
    "text-align:left;letter-spacing:normal;-webkit-text-size-adjust:100%;text-size-adjust:100%;" +
    // long unbroken words wrap inside the panel
    "word-wrap:break-word;overflow-wrap:anywhere}" +
    ".dk{--bg:#0f172a;--fg:#e2e8f0;--mu:#a3b1c6;--bd:#475569;--sf:#1e293b;--er:#fca5a5;--wa:#422006}" +
    "*,:before,:after{box-sizing:border-box}[hidden]{display:none!important}" +
    "button,input,select{font:inherit;color:inherit;margin:0;text-transform:none}" +
    "button{cursor:pointer}:focus{outline:none}:focus-visible{outline:3px solid var(--fg);outline-offset:2px}" +
    ".b{position:fixed;right:20px;bottom:20px;display:flex;align-items:center;gap:8px;min-height:52px;max-width:calc(100vw - 40px);" +
    "padding:12px 20px 12px 16px;border:0;border-radius:999px;background:var(--p);color:var(--pt);font-size:16px;font-weight:600;" +
    "box-shadow:0 8px 24px rgba(15,23,42,.28);transition:transform .15s}.b:hover{transform:translateY(-2px)}" +
    ".b svg{width:24px;height:24px;flex:none;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}" +
    ".b span{overflow:hidden;white-space:nowrap;text-overflow:ellipsis}" +
    ".l .b{right:auto;left:20px}.pv .b{position:absolute}.sm .b{right:16px;bottom:16px}.sm.l .b{left:16px}" +
    "@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}";

  // --- helpers (panel.js gets them too) -------------------------------------------------------------------
  function h(tag, attrs, kids) {
    var el = d.createElement(tag);
    for (var k in attrs) {
      var v = attrs[k];
      if (v == null || v === false) continue;
      if (k === "text") el.textContent = v;
      else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    (kids || []).forEach(function (c) { if (c) el.appendChild(typeof c === "string" ? d.createTextNode(c) : c); });
    return el;
  }
  function icon(path) {
    var ns = "http://www.w3.org/2000/svg", s = d.createElementNS(ns, "svg"), p = d.createElementNS(ns, "path");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("aria-hidden", "true");
    s.setAttribute("focusable", "false");
    p.setAttribute("d", path);
    s.appendChild(p);
    return s;
  }
  function url(u) { return typeof u === "string" && /^https?:\/\//i.test(u) ? u : null; }
  function store(fn) { try { return fn(w.localStorage); } catch (e) { return null; } }
  // White or near-black text on the primary colour, whichever reads better (WCAG relative luminance).
  function onColor(hex) {
    var x = hex.slice(1), n = x.length === 3 ? x.replace(/./g, "$&$&") : x, L = 0;
    [0, 2, 4].forEach(function (i, j) {
      var c = parseInt(n.substr(i, 2), 16) / 255;
      L += [0.2126, 0.7152, 0.0722][j] * (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
    });
    return 1.05 / (L + 0.05) >= (L + 0.05) / 0.05 ? "#fff" : "#0f172a";
  }

  // Published config (nested, as served; a flat legacy shape is read too) → what the widget needs.
  function norm(cfg) {
    cfg = cfg || {};
    var a = cfg.appearance || cfg, t = cfg.texts || cfg, k = cfg.consent || {};
    var ch = (cfg.channels || []).filter(function (c) { return CH[c]; });
    return {
      key: cfg.publicKey || KEY,
      color: /^#([0-9a-f]{3}){1,2}$/i.test(a.primaryColor) ? a.primaryColor : "#2563eb",
      dark: a.theme === "dark",
      left: a.position === "left",
      label: a.buttonLabel || "Оставить заявку",
      logo: url(a.logoUrl),
      avatar: url(a.avatarUrl),
      title: t.title || "Оставьте заявку",
      greeting: t.greeting || "",
      quick: (t.quickReplies || []).filter(Boolean).slice(0, 8),
      success: t.successMessage || "Спасибо! Мы свяжемся с вами в ближайшее время.",
      off: t.offHoursMessage || "Сейчас мы не работаем. Оставьте номер — перезвоним в рабочее время.",
      ch: ch.length ? ch : ["web"],
      pd: k.personalDataText || "Я согласен на обработку персональных данных",
      pp: url(k.privacyPolicyUrl),
      cv: k.version || "",
      mk: !!k.marketingEnabled,
      mt: k.marketingText || "Хочу получать новости и специальные предложения",
      bh: cfg.businessHours
    };
  }

  // UTM tags of the landing page, kept for the session so a lead sent from another page still has them.
  function utm() {
    var q = new URLSearchParams(location.search), o = {}, got = false;
    ["source", "medium", "campaign", "term", "content"].forEach(function (n) {
      o[n] = (q.get("utm_" + n) || "").slice(0, 200);
      got = got || !!o[n];
    });
    try {
      if (got) w.sessionStorage.setItem("fastlead:utm", JSON.stringify(o));
      else o = JSON.parse(w.sessionStorage.getItem("fastlead:utm")) || o;
    } catch (e) { /* storage blocked */ }
    return o;
  }

  // more: add to the root's sheets (the panel's) instead of replacing them (a re-rendered preview starts afresh).
  var sheets = {};
  function styleRoot(root, css, more) {
    try {
      var s = sheets[css];
      if (!s) { s = sheets[css] = new CSSStyleSheet(); s.replaceSync(css); }
      root.adoptedStyleSheets = (more ? root.adoptedStyleSheets : []).concat(s);
    } catch (e) {
      root.appendChild(h("style", { text: css }));
    }
  }
  var lib = { base: BASE, CH: CH, h: h, icon: icon, url: url, store: store, utm: utm, style: styleRoot };

  // --- the panel's code: panel.js registers it (FastLeadWidget.definePanel), fetched at most once at a time ----
  var makePanel = null, waiting = [], fetching = false;
  function withPanel(fn) {
    if (makePanel) return fn();
    waiting.push(fn);
    if (fetching || !PANEL) return;
    fetching = true;
    // a script added by script runs asynchronously; if it fails, the next intent tries again
    (d.head || d.documentElement).appendChild(h("script", { src: PANEL, onerror: function () { fetching = false; } }));
  }

  // --- one widget: a host element with its closed shadow root --------------------------------------------
  // pv: preview mode (cabinet editor): no network, no storage, rendered inside a container, opened.
  function Widget(host, root, cfg, pv, keep) {
    var c = norm(cfg), P = null, want = 0; // want: 1 open, 2 open quietly, once the panel is there
    var wrap = h("div", { class: "w" + (c.dark ? " dk" : "") + (c.left ? " l" : "") + (pv ? " pv" : ""), lang: "ru" });
    wrap.style.setProperty("--p", c.color);
    wrap.style.setProperty("--pt", onColor(c.color));
    var btn = h("button", {
      type: "button", class: "b", "aria-label": c.label, "aria-expanded": "false", "aria-haspopup": "dialog",
      onclick: function () { if (P && P.shown()) P.close(); else open(); },
      onpointerenter: intent, onfocus: intent
    }, [icon("M21 12a8 8 0 0 1-11.6 7.1L4 21l1.9-5.4A8 8 0 1 1 21 12z"), h("span", { text: c.label })]);
    wrap.appendChild(btn);
    styleRoot(root, CSS);
    root.appendChild(wrap);

    function setSmall(small) { wrap.classList.toggle("sm", small); }
    var mq = !pv && w.matchMedia && w.matchMedia("(max-width: 480px)");
    if (mq) {
      setSmall(mq.matches);
      var onMq = function (e) { setSmall(e.matches); };
      if (mq.addEventListener) mq.addEventListener("change", onMq); else mq.addListener(onMq);
    } else if (pv) {
      setSmall(host.parentNode && host.parentNode.clientWidth > 0 && host.parentNode.clientWidth <= 480);
    }

    function ready() {
      if (!P) P = makePanel(lib, c, wrap, btn, root, pv, keep);
      if (want) P.open(want === 2);
      want = 0;
    }
    function intent() { withPanel(ready); }
    function open(quiet) { want = quiet ? 2 : 1; withPanel(ready); }
    function close() { want = 0; if (P) P.close(); }
    if (pv) open(true);
    return {
      open: open, close: close,
      snapshot: function () { return P ? P.snapshot() : keep; },
      destroy: function () { if (P) P.destroy(); }
    };
  }

  // --- the widget on a client's site -------------------------------------------------------------------------
  var live = null, wantOpen = false;
  function boot(attempt) {
    if (!KEY || !BASE || live) return;
    fetch(BASE + "/w/" + encodeURIComponent(KEY) + "/config.json", { mode: "cors", credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (cfg) {
        var host = d.createElement("fast-lead-widget"), root = host.attachShadow({ mode: "closed" });
        (d.body || d.documentElement).appendChild(host);
        live = Widget(host, root, cfg, false);
        if (wantOpen) live.open();
      })
      .catch(function (e) {
        if (!attempt && !/HTTP 4/.test(e.message)) setTimeout(function () { boot(1); }, 3000);
        else if (w.console) console.warn("Fast Lead: виджет не загружен (" + e.message + ")");
      });
  }
  function idle() {
    utm();
    if (w.requestIdleCallback) w.requestIdleCallback(function () { boot(0); }, { timeout: 1500 });
    else setTimeout(function () { boot(0); }, 1);
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", idle); else idle();
  // Any element of the site with data-fastlead-open (e.g. a "Записаться" button) opens the form.
  d.addEventListener("click", function (e) {
    var t = e.target && e.target.closest && e.target.closest("[data-fastlead-open]");
    if (t && KEY) { e.preventDefault(); w.FastLeadWidget.open(); }
  });

  // --- public API: the only global ---------------------------------------------------------------------------
  var previews = new WeakMap();
  w.FastLeadWidget = {
    version: 1,
    open: function () { if (live) live.open(); else wantOpen = true; },
    close: function () { wantOpen = false; if (live) live.close(); },
    // Render button + opened panel from a config object into a container, without any network request
    // (the page loads panel.js after this script). Call again with a new config to re-render; what was typed
    // in the preview is kept. options.offHours: true/false forces the off-hours notice (default: from
    // businessHours and the clock).
    preview: function (container, cfg, options) {
      var p = previews.get(container), keep;
      if (!p || p.host.parentNode !== container) {
        p = { host: d.createElement("fast-lead-widget") };
        p.host.className = "pv";
        p.root = p.host.attachShadow({ mode: "closed" });
        container.appendChild(p.host);
        previews.set(container, p);
      } else {
        keep = p.widget.snapshot();
        p.widget.destroy();
        while (p.root.firstChild) p.root.removeChild(p.root.firstChild);
      }
      keep = Object.assign({}, keep, { off: options && options.offHours != null ? !!options.offHours : null });
      p.widget = Widget(p.host, p.root, cfg, true, keep);
      return { open: p.widget.open, close: p.widget.close };
    },
    // panel.js: make(lib, config, wrap, button, root, preview, keep) → { open, close, shown, snapshot, destroy }.
    definePanel: function (make) {
      makePanel = make;
      waiting.splice(0).forEach(function (fn) { fn(); });
    }
  };
})(window, document);
