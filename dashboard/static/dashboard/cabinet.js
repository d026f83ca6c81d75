/* Fast Lead cabinet: the Alpine components of the layout and the leads page.
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
        var filters = new URLSearchParams(new FormData(document.getElementById("leads-filter")));
        this.$el.href = "/api/v1/leads/export?" + filters.toString();
      }
    };
  }

  document.addEventListener("alpine:init", function () {
    window.Alpine.data("cabinet", cabinet);
    window.Alpine.data("workspaceSwitcher", workspaceSwitcher);
    window.Alpine.data("leadsExport", leadsExport);
  });
})();
