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

  // «Экспорт в CSV» takes the filters shown at the moment of the click: htmx changes them without a reload.
  function leadsExport() {
    return {
      takeFilters: function () {
        var filters = new URLSearchParams();
        new FormData(document.getElementById("leads-filter")).forEach(function (value, name) {
          // The API names the page's «source» filter «sourcePage»; blank filters are left out, as on the page.
          if (value) filters.append(name === "source" ? "sourcePage" : name, value);
        });
        this.$el.href = "/api/v1/leads/export?" + filters.toString();
      }
    };
  }

  // A long page answers an action in place: the section's message after a redirect, or a refused form's reason or
  // first invalid field after a re-render (the browser would leave it off-screen). The first such element is
  // scrolled into view and focused, so the keyboard and screen readers start there too.
  function showAnswer() {
    var target = document.querySelector("[data-scroll-into-view]");
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
  });
})();
