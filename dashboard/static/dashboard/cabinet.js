/* Fast Lead cabinet: the Alpine components of the layout and the leads page, bringing an action's answer into view,
 * and the rules of the parts that poll (htmx).
 *
 * Alpine's CSP build evaluates only simple expressions in attributes (no arrow functions, no statement
 * lists, no `new`, no globals such as `document`); whatever needs more lives here. Loaded deferred before
 * Alpine's own script, so the components are registered when Alpine starts.
 */
(function () {
  "use strict";

  // The layout: while the phone drawer is open the page behind it stays still and the focus is in it.
  function cabinet() {
    return {
      sidebarOpen: false,
      init: function () {
        var self = this;
        this.$watch("sidebarOpen", function (open) {
          document.body.classList.toggle("overflow-hidden", open);
          if (open) self.$nextTick(function () { self.$refs.drawerClose.focus(); });
        });
      }
    };
  }

  // The workspace switcher: Escape closes it and gives the focus back to its button.
  function workspaceSwitcher() {
    return {
      open: false,
      dismiss: function () {
        this.open = false;
        this.$refs.switcher.focus();
      }
    };
  }

  // «Экспорт в CSV» and «Экспорт в Excel» take the filters shown at the moment of the click: htmx changes them
  // without a reload. The server streams a small export (saved as a file here) and answers a large one with 202 and
  // a job: its progress is polled until the link is ready (the same link is e-mailed). Without scripts the CSV link
  // still downloads by itself.
  var EXPORT_POLL_MS = 1500;
  var EXPORT_FAILED = "Не удалось выгрузить лиды. Проверьте соединение и попробуйте ещё раз.";

  function exportUrl(format) {
    var filters = new URLSearchParams();
    new FormData(document.getElementById("leads-filter")).forEach(function (value, name) {
      // The API names the page's «source» filter «sourcePage»; blank filters are left out, as on the page.
      if (value) filters.append(name === "source" ? "sourcePage" : name, value);
    });
    if (format !== "csv") filters.append("format", format);
    return "/api/v1/leads/export?" + filters.toString();
  }

  function saveFile(response) {
    var disposition = response.headers.get("Content-Disposition") || "";
    var match = /filename="([^"]+)"/.exec(disposition);
    return response.blob().then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = match ? match[1] : "leads";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
    });
  }

  function errorMessage(response) {
    return response.json().then(function (body) {
      return (body && body.error && body.error.message) || EXPORT_FAILED;
    }, function () { return EXPORT_FAILED; });
  }

  function leadsExport() {
    return {
      busy: false,
      running: false,
      ready: false,
      percent: 0,
      progressText: "",
      downloadUrl: "",
      message: "",
      start: function (event) {
        event.preventDefault();
        if (this.busy) return;
        var self = this;
        var url = exportUrl(this.$el.dataset.format);
        if (this.$el.tagName === "A") this.$el.href = url;
        this.busy = true;
        this.ready = false;
        this.message = "";
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
          if (response.status === 202) return response.json().then(function (job) { self.follow(job.statusUrl); });
          self.busy = false;
          if (response.ok) return saveFile(response);
          return errorMessage(response).then(function (text) { self.message = text; });
        }).catch(function () {
          self.busy = false;
          self.running = false;
          self.message = EXPORT_FAILED;
        });
      },
      follow: function (statusUrl) {
        var self = this;
        this.running = true;
        this.percent = 0;
        this.progressText = "Выгрузка формируется…";
        fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
          if (!response.ok) return errorMessage(response).then(function (text) { throw new Error(text); });
          return response.json();
        }).then(function (job) {
          self.percent = job.progress;
          self.progressText = "Выгрузка формируется: " + job.done + " из " + job.total + " строк (" + job.progress + " %)";
          if (job.status === "done") {
            self.running = self.busy = false;
            self.downloadUrl = job.downloadUrl;
            self.ready = true;
          } else if (job.status === "failed") {
            self.running = self.busy = false;
            self.message = job.error || EXPORT_FAILED;
          } else {
            setTimeout(function () { self.follow(statusUrl); }, EXPORT_POLL_MS);
          }
        }).catch(function (error) {
          self.running = self.busy = false;
          self.message = error.message || EXPORT_FAILED;
        });
      }
    };
  }

  // «Сохранить вид» stores the filters shown when it is sent (htmx changes them without a reload), as the page's
  // address names them: blank ones and the default order left out, as the server does.
  function saveView() {
    return {
      takeFilters: function () {
        var filters = new URLSearchParams();
        new FormData(document.getElementById("leads-filter")).forEach(function (value, name) {
          if (value && !(name === "sort" && value === "-createdAt")) filters.append(name, value);
        });
        this.$refs.query.value = filters.toString();
      }
    };
  }

  // A long page answers an action in place: the section's message after a redirect, or a refused form's reason or
  // first invalid field after a re-render (the browser would leave it off-screen). The first such element — else a
  // refused form's first field marked aria-invalid — is scrolled into view and focused, so the keyboard and screen
  // readers start at what to fix.
  function showAnswer() {
    var target = document.querySelector("[data-scroll-into-view]") ||
      document.querySelector('form [aria-invalid="true"]');
    if (!target) return;
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", showAnswer);

  // Parts that poll (data-poll, hx-trigger "every …"): a hidden tab does not ask — «visibilitychange» brings the
  // part up to date when the tab is shown again; an answer from another page (the session expired, the
  // subscription stopped: the poll was redirected) reloads the page rather than swapping that page into the part.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (document.hidden && event.detail.elt.hasAttribute("data-poll")) event.preventDefault();
  });
  // A refused filter answers 400 with the reason in the list's place: show it (htmx swaps only 2xx by itself).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400 && event.detail.target.id === "leads-table") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var info = event.detail.pathInfo;
    if (!event.detail.requestConfig.elt.hasAttribute("data-poll") || !info.responsePath) return;
    if (new URL(info.responsePath, location.href).pathname !== new URL(info.requestPath, location.href).pathname) {
      event.detail.shouldSwap = false;
      location.reload();
    }
  });

  document.addEventListener("alpine:init", function () {
    window.Alpine.data("cabinet", cabinet);
    window.Alpine.data("workspaceSwitcher", workspaceSwitcher);
    window.Alpine.data("leadsExport", leadsExport);
    window.Alpine.data("saveView", saveView);
  });
})();
