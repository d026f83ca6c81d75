/* Fast Lead cabinet: the widget editor — Alpine component "widgetEditor".
 *
 * The form edits a draft of the widget config; the real widget (widget_cdn/widget.js,
 * FastLeadWidget.preview) renders that draft next to it on every change, without saving.
 * Saving is PUT /api/v1/widget with the version the draft is based on (optimistic locking):
 * on 409 the user either overwrites, or takes the other person's changes and keeps their own
 * edits wherever the two do not clash (a three-way merge). Nothing typed is ever dropped.
 *
 * Loaded without defer in <head>, before Alpine starts (our CSP forbids inline scripts).
 */
(function () {
  "use strict";

  var DAYS = [
    ["mon", "Понедельник", "Пн"], ["tue", "Вторник", "Вт"], ["wed", "Среда", "Ср"], ["thu", "Четверг", "Чт"],
    ["fri", "Пятница", "Пт"], ["sat", "Суббота", "Сб"], ["sun", "Воскресенье", "Вс"]
  ];
  // Every field the merge looks at, with the label the conflict list shows.
  var FIELDS = [
    ["appearance.primaryColor", "Основной цвет"], ["appearance.theme", "Тема"], ["appearance.position", "Положение"],
    ["appearance.buttonLabel", "Текст кнопки"], ["texts.title", "Заголовок"], ["texts.greeting", "Приветствие"],
    ["texts.quickReplies", "Быстрые ответы"], ["texts.successMessage", "Сообщение после отправки"],
    ["texts.offHoursMessage", "Сообщение в нерабочее время"], ["channels", "Каналы"],
    ["consent.personalDataText", "Текст согласия"], ["consent.privacyPolicyUrl", "Политика конфиденциальности"],
    ["consent.marketingEnabled", "Согласие на рассылку"], ["consent.marketingText", "Текст согласия на рассылку"],
    ["siteDomains", "Домены сайтов"], ["businessHours.enabled", "Учитывать часы работы"]
  ].concat(DAYS.map(function (d) { return ["businessHours.days." + d[0], "Часы работы: " + d[1].toLowerCase()]; }));
  // The one wording of a refused save, on the cabinet's pages too (shared_apps/ops/validation.py NOT_SAVED).
  var NOT_SAVED = "Не сохранено: проверьте выделенные поля.";
  var COLOR = /^#[0-9a-fA-F]{6}$/;
  var TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
  var MEDIA_NAME = /\/((?:logo|avatar)-[0-9a-f]{32}\.webp)(?:[?#].*)?$/;
  // Error keys the browser checks itself (the same rules and words as the server).
  var CLIENT_CHECKED = [
    "appearance.primaryColor", "appearance.buttonLabel", "texts.title", "texts.greeting", "texts.successMessage",
    "texts.offHoursMessage", "texts.quickReplies", "channels", "consent.personalDataText", "consent.privacyPolicyUrl",
    "consent.marketingText", "businessHours"
  ];
  var POLICY_MESSAGE = "Укажите ссылку на политику обработки персональных данных (https://…): её требует 152-ФЗ.";

  function clone(x) { return x === undefined ? undefined : JSON.parse(JSON.stringify(x)); }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  function get(obj, path) {
    return path.split(".").reduce(function (o, k) { return o == null ? undefined : o[k]; }, obj);
  }
  function put(obj, path, value) {
    var keys = path.split("."), last = keys.pop();
    keys.forEach(function (k) { if (obj[k] == null) obj[k] = {}; obj = obj[k]; });
    obj[last] = value;
  }
  function domainsOf(text) {
    return String(text || "").split(/\r?\n/).map(function (s) { return s.trim(); }).filter(Boolean);
  }
  function formatWhen(iso) {
    if (!iso) return "";
    var when = new Date(iso);
    if (isNaN(when)) return "";
    var today = new Date().toDateString() === when.toDateString();
    return when.toLocaleString("ru-RU", today ? { hour: "2-digit", minute: "2-digit" }
      : { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
  }
  function show(value) {
    if (value === true) return "да";
    if (value === false) return "нет";
    if (value == null || value === "") return "(пусто)";
    if (Array.isArray(value)) {
      if (!value.length) return "(пусто)";
      if (Array.isArray(value[0])) return value.map(function (r) { return r[0] + "–" + r[1]; }).join(", ");
      return value.join(", ");
    }
    return String(value);
  }

  function configToForm(config) {
    var c = clone(config), days = {};
    var hours = c.businessHours || {};
    DAYS.forEach(function (d) { days[d[0]] = clone((hours.days || {})[d[0]] || []); });
    return {
      appearance: {
        primaryColor: c.appearance.primaryColor, theme: c.appearance.theme, position: c.appearance.position,
        buttonLabel: c.appearance.buttonLabel, logoUrl: c.appearance.logoUrl || null,
        avatarUrl: c.appearance.avatarUrl || null
      },
      texts: {
        title: c.texts.title || "", greeting: c.texts.greeting, quickReplies: (c.texts.quickReplies || []).slice(),
        successMessage: c.texts.successMessage, offHoursMessage: c.texts.offHoursMessage
      },
      channels: (c.channels || []).slice(),
      consent: {
        personalDataText: c.consent.personalDataText, privacyPolicyUrl: c.consent.privacyPolicyUrl || "",
        marketingEnabled: !!c.consent.marketingEnabled, marketingText: c.consent.marketingText || ""
      },
      siteDomainsText: (c.siteDomains || []).join("\n"),
      businessHours: { enabled: !!hours.enabled, days: days }
    };
  }

  // The form as an API config (what PUT /api/v1/widget takes, without the version).
  function formToConfig(form) {
    var f = clone(form);
    return {
      appearance: f.appearance,
      texts: f.texts,
      channels: f.channels,
      consent: f.consent,
      siteDomains: domainsOf(f.siteDomainsText),
      businessHours: f.businessHours
    };
  }

  function editor() {
    var boot = JSON.parse(document.getElementById("widget-editor-data").textContent);
    return {
      days: DAYS.map(function (d) { return { code: d[0], label: d[1], short: d[2] }; }),
      channelOptions: boot.channels,
      canEdit: boot.canEdit,
      maxQuickReplies: boot.maxQuickReplies,
      base: clone(boot.config),
      version: boot.config.version,
      // A page that posts the form itself (the onboarding wizard) boots with what was typed and the server's errors.
      form: configToForm(boot.draft || boot.config),
      errors: boot.errors || {},
      leaving: false,
      erroredDomains: [],
      notice: null,
      saving: false,
      conflict: null,
      conflicts: [],
      uploading: { logo: false, avatar: false },
      uploadErrors: { logo: "", avatar: "" },
      previewMode: "auto",
      previewMissing: false,
      frame: 0,

      init: function () {
        var self = this;
        this.$watch("form", function () { self.onEdit(); });
        this.$watch("previewMode", function () { self.renderPreview(); });
        window.addEventListener("beforeunload", function (event) {
          if (self.canEdit && !self.leaving && self.dirty()) { event.preventDefault(); event.returnValue = ""; }
        });
        this.$nextTick(function () { self.renderPreview(); });
      },

      // --- the draft -------------------------------------------------------------------------------------
      current: function () { return formToConfig(this.form); },
      dirty: function () {
        var mine = this.current(), base = this.base;
        return FIELDS.some(function (f) { return !same(get(mine, f[0]), get(base, f[0])); });
      },
      setField: function (path, value) {
        if (path === "siteDomains") this.form.siteDomainsText = (value || []).join("\n");
        else put(this.form, path, clone(value));
      },
      onEdit: function () {
        var self = this;
        if (Object.keys(this.errors).length) {
          var now = this.validate(), kept = {};
          Object.keys(this.errors).forEach(function (key) {
            if (CLIENT_CHECKED.indexOf(key) < 0) {
              if (key !== "siteDomains" || same(domainsOf(self.form.siteDomainsText), self.erroredDomains)) {
                kept[key] = self.errors[key];
              }
            } else if (now[key]) {
              kept[key] = now[key];
            }
          });
          this.errors = kept;
        }
        if (this.notice && this.notice.kind === "ok" && this.dirty()) this.notice = null;
        this.schedulePreview();
      },
      err: function (path) { return this.errors[path] || ""; },
      otherErrors: function () {
        var known = CLIENT_CHECKED.concat(["appearance.theme", "appearance.position", "siteDomains"]), errors = this.errors;
        return Object.keys(errors).filter(function (k) { return known.indexOf(k) < 0; })
          .map(function (k) { return errors[k]; });
      },
      conflicted: function (path) {
        return this.conflicts.some(function (c) { return c.path === path || c.path.indexOf(path + ".") === 0; });
      },

      // --- quick replies and hours ------------------------------------------------------------------------
      addReply: function () {
        if (this.form.texts.quickReplies.length < this.maxQuickReplies) {
          this.form.texts.quickReplies.push("");
          var self = this;
          this.$nextTick(function () {
            var inputs = self.$root.querySelectorAll("[data-quick-reply]");
            if (inputs.length) inputs[inputs.length - 1].focus();
          });
        }
      },
      removeReply: function (index) { this.form.texts.quickReplies.splice(index, 1); },
      setWorkday: function (code, on) {
        this.form.businessHours.days[code] = on ? [["09:00", "18:00"]] : [];
      },
      addInterval: function (code) {
        var list = this.form.businessHours.days[code], last = list[list.length - 1];
        list.push(last && last[1] < "20:00" ? [last[1] < "23:00" ? last[1] : "20:00", "21:00"] : ["13:00", "14:00"]);
      },
      removeInterval: function (code, index) { this.form.businessHours.days[code].splice(index, 1); },
      copyMondayToWeekdays: function () {
        var monday = this.form.businessHours.days.mon, self = this;
        ["tue", "wed", "thu", "fri"].forEach(function (code) { self.form.businessHours.days[code] = clone(monday); });
      },

      // --- browser-side checks: the server's rules, the server's words -------------------------------------
      validate: function () {
        var f = this.form, e = {};
        function text(path, limit, required) {
          var value = get(f, path) || "";
          if (required && !value.trim()) e[path] = "Заполните это поле.";
          else if (value.length > limit) e[path] = "Не длиннее " + limit + " символов.";
        }
        if (!COLOR.test(f.appearance.primaryColor || "")) {
          e["appearance.primaryColor"] = "Цвет в формате #RRGGBB, например #2563eb.";
        }
        text("appearance.buttonLabel", 40, true);
        text("texts.title", 80, false);
        text("texts.greeting", 300, true);
        text("texts.successMessage", 300, true);
        text("texts.offHoursMessage", 300, true);
        var replies = f.texts.quickReplies;
        if (replies.length > this.maxQuickReplies) {
          e["texts.quickReplies"] = "Не больше " + this.maxQuickReplies + " быстрых ответов.";
        } else if (replies.some(function (r) { return !r.trim() || r.length > 40; })) {
          e["texts.quickReplies"] = "Каждый быстрый ответ — от 1 до 40 символов.";
        }
        if (!f.channels.length) e.channels = "Выберите хотя бы один канал.";
        text("consent.personalDataText", 2000, true);
        if (!/^https?:\/\/[^\s/?#]+\.[^\s/?#]+/i.test((f.consent.privacyPolicyUrl || "").trim())) {
          e["consent.privacyPolicyUrl"] = POLICY_MESSAGE;
        }
        text("consent.marketingText", 500, f.consent.marketingEnabled);
        DAYS.some(function (d) {
          return (f.businessHours.days[d[0]] || []).some(function (r) {
            if (!TIME.test(r[0] || "") || !TIME.test(r[1] || "")) {
              e.businessHours = "Время в формате ЧЧ:ММ, например 09:00.";
            } else if (r[0] >= r[1]) {
              e.businessHours = "Начало рабочего дня должно быть раньше конца.";
            }
            return !!e.businessHours;
          });
        });
        return e;
      },
      focusFirstError: function () {
        var root = this.$root;
        this.$nextTick(function () {
          var first = root.querySelector("[aria-invalid=true]");
          if (first) first.focus();
        });
      },

      // --- saving ----------------------------------------------------------------------------------------
      // Take ``theirs`` (newer from the server) wherever the draft still equals ``known`` (what it was
      // based on); keep the draft elsewhere. Fields changed on both sides, differently, are reported.
      rebase: function (theirs, known) {
        var mine = this.current(), self = this, clashes = [];
        FIELDS.forEach(function (f) {
          var path = f[0], m = get(mine, path), b = get(known, path), t = get(theirs, path);
          if (same(m, b)) {
            if (!same(m, t)) self.setField(path, t);
          } else if (!same(t, b) && !same(m, t)) {
            clashes.push({ path: path, label: f[1], mine: show(m), theirs: show(t), theirsValue: clone(t) });
          }
        });
        this.form.appearance.logoUrl = theirs.appearance.logoUrl || null;
        this.form.appearance.avatarUrl = theirs.appearance.avatarUrl || null;
        this.base = clone(theirs);
        this.version = theirs.version;
        return clashes;
      },
      save: async function () {
        if (!this.canEdit || this.saving) return;
        var problems = this.validate();
        if (Object.keys(problems).length) {
          this.errors = problems;
          this.notice = { kind: "error", text: NOT_SAVED };
          this.focusFirstError();
          return;
        }
        this.saving = true;
        this.notice = null;
        var sent = this.current();
        var body = Object.assign({ version: this.version }, sent);
        try {
          var response = await fetch(boot.api.widget, {
            method: "PUT", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": boot.csrfToken },
            body: JSON.stringify(body)
          });
          var data = await response.json().catch(function () { return null; });
          if (response.ok && data) {
            this.rebase(data, sent);
            this.errors = {};
            this.conflict = null;
            this.conflicts = [];
            this.notice = { kind: "ok", text: "Сохранено и опубликовано (версия " + data.version + "). Виджет на сайте обновится в течение минуты." };
          } else if (response.status === 409 && data && data.current) {
            this.conflict = {
              current: data.current, who: data.current.updatedBy || "другой пользователь",
              when: formatWhen(data.current.updatedAt), message: data.error && data.error.message
            };
            var self = this;
            this.$nextTick(function () { if (self.$refs.conflictPanel) self.$refs.conflictPanel.focus(); });
          } else if (response.status === 400 && data && data.error) {
            this.errors = data.error.fields || {};
            this.erroredDomains = domainsOf(this.form.siteDomainsText);
            this.notice = { kind: "error", text: Object.keys(this.errors).length || !data.error.message
              ? NOT_SAVED : "Не сохранено. " + data.error.message };
            this.focusFirstError();
          } else if (response.status === 401) {
            this.notice = { kind: "error", text: "Сессия закончилась. Войдите снова в соседней вкладке и нажмите «Сохранить» ещё раз — правки на этой странице никуда не денутся." };
          } else {
            var message = data && data.error && data.error.message;
            this.notice = { kind: "error", text: (message || "Не удалось сохранить (ошибка " + response.status + ").") + " Ваши правки на месте." };
          }
        } catch (e) {
          this.notice = { kind: "error", text: "Нет связи с сервером. Ваши правки на месте — попробуйте сохранить ещё раз." };
        } finally {
          this.saving = false;
        }
      },
      overwrite: function () {
        if (!this.conflict) return;
        var current = this.conflict.current;
        // Their logo/avatar stay (they are not part of the form); everything in the form is ours.
        this.form.appearance.logoUrl = current.appearance.logoUrl || null;
        this.form.appearance.avatarUrl = current.appearance.avatarUrl || null;
        this.version = current.version;
        this.conflict = null;
        this.conflicts = [];
        return this.save();
      },
      merge: function () {
        if (!this.conflict) return;
        var current = this.conflict.current;
        this.conflict = null;
        this.conflicts = this.rebase(current, this.base);
        if (!this.conflicts.length) return this.save();
        this.notice = {
          kind: "warn",
          text: "Изменения коллеги загружены. В выделенных полях вы с ним правили одно и то же — там оставлена ваша редакция. Проверьте их и нажмите «Сохранить»."
        };
      },
      takeTheirs: function (path) {
        var clash = this.conflicts.filter(function (c) { return c.path === path; })[0];
        if (clash) this.setField(path, clash.theirsValue);
        this.keepMine(path);
      },
      keepMine: function (path) {
        this.conflicts = this.conflicts.filter(function (c) { return c.path !== path; });
      },

      // --- logo and avatar ---------------------------------------------------------------------------------
      mediaPreview: function (url) {
        var match = url && MEDIA_NAME.exec(url);
        return match ? window.location.origin + boot.mediaBase + match[1] : url || null;
      },
      upload: async function (kind, event) {
        var input = event.target, file = input.files && input.files[0];
        if (!file || !this.canEdit) return;
        this.uploadErrors[kind] = "";
        if (file.size > boot.maxUploadBytes) {
          this.uploadErrors[kind] = "Файл больше 2 МБ";
          input.value = "";
          return;
        }
        var body = new FormData();
        body.append("file", file);
        await this.sendMedia(kind, "POST", body);
        input.value = "";
      },
      removeMedia: function (kind) { return this.sendMedia(kind, "DELETE", null); },
      sendMedia: async function (kind, method, body) {
        this.uploading[kind] = true;
        try {
          var response = await fetch(boot.api[kind], {
            method: method, credentials: "same-origin", body: body,
            headers: { "Accept": "application/json", "X-CSRFToken": boot.csrfToken }
          });
          var data = await response.json().catch(function () { return null; });
          if (response.ok && data) {
            // An upload is a save of its own: take the new version, keep the unsaved edits of the form.
            var clashes = this.rebase(data, this.base);
            if (clashes.length) {
              this.conflicts = clashes;
              this.notice = { kind: "warn", text: "Пока вы редактировали, настройки изменил " + (data.updatedBy || "другой пользователь") + ". В выделенных полях оставлена ваша редакция — проверьте их и нажмите «Сохранить»." };
            }
          } else {
            var message = data && data.error && ((data.error.fields || {}).file || data.error.message);
            this.uploadErrors[kind] = message || (response.status === 413 ? "Файл больше 2 МБ" : "Не удалось загрузить файл (ошибка " + response.status + ").");
          }
        } catch (e) {
          this.uploadErrors[kind] = "Нет связи с сервером. Попробуйте ещё раз.";
        } finally {
          this.uploading[kind] = false;
        }
      },

      // --- the live preview: the real widget with the unsaved draft ------------------------------------------
      previewConfig: function () {
        var f = this.current();
        var color = COLOR.test(f.appearance.primaryColor) ? f.appearance.primaryColor : this.base.appearance.primaryColor;
        return {
          publicKey: "preview",
          version: this.version,
          appearance: {
            primaryColor: color, theme: f.appearance.theme, position: f.appearance.position,
            buttonLabel: f.appearance.buttonLabel, logoUrl: this.mediaPreview(f.appearance.logoUrl),
            avatarUrl: this.mediaPreview(f.appearance.avatarUrl)
          },
          texts: {
            title: f.texts.title.trim() || boot.tenantName, greeting: f.texts.greeting,
            quickReplies: f.texts.quickReplies.filter(function (r) { return r.trim(); }),
            successMessage: f.texts.successMessage, offHoursMessage: f.texts.offHoursMessage
          },
          channels: f.channels,
          consent: {
            personalDataText: f.consent.personalDataText, privacyPolicyUrl: f.consent.privacyPolicyUrl.trim(),
            version: "preview", marketingEnabled: f.consent.marketingEnabled, marketingText: f.consent.marketingText
          },
          businessHours: { timezone: boot.timezone, enabled: f.businessHours.enabled, days: f.businessHours.days }
        };
      },
      schedulePreview: function () {
        var self = this;
        if (this.frame) return;
        this.frame = window.requestAnimationFrame(function () { self.frame = 0; self.renderPreview(); });
      },
      renderPreview: function () {
        var container = this.$refs.preview;
        if (!container) return;
        if (!window.FastLeadWidget || !window.FastLeadWidget.preview) { this.previewMissing = true; return; }
        this.previewMissing = false;
        var offHours = this.previewMode === "auto" ? null : this.previewMode === "off";
        window.FastLeadWidget.preview(container, this.previewConfig(), { offHours: offHours });
      },

      focusSiteDomains: function () {
        this.$nextTick(function () { document.getElementById("wf-siteDomains").focus(); });
      }
    };
  }

  document.addEventListener("alpine:init", function () { window.Alpine.data("widgetEditor", editor); });
})();
