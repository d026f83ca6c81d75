/* Fast Lead cabinet: the widget's code block — Alpine component "snippetBox" (templates/dashboard/_snippet.html):
 * the copy button and the install-guide tabs. On the widget page and in the onboarding wizard.
 *
 * Loaded without defer in <head>, before Alpine starts (our CSP forbids inline scripts).
 */
(function () {
  "use strict";

  function snippetBox() {
    return {
      tab: "html",
      copied: false,

      moveTab: function (step) {
        var tabs = Array.prototype.slice.call(this.$root.querySelectorAll("[role=tab]"));
        var index = tabs.findIndex(function (tab) { return tab.getAttribute("aria-selected") === "true"; });
        var next = tabs[(index + step + tabs.length) % tabs.length];
        this.tab = next.getAttribute("data-tab");
        next.focus();
      },
      copy: async function () {
        var code = this.$refs.code, self = this;
        var done = function () { self.copied = true; setTimeout(function () { self.copied = false; }, 2500); };
        try {
          await navigator.clipboard.writeText(code.value);
          done();
        } catch (e) {
          code.focus();
          code.select();
          try { if (document.execCommand("copy")) done(); } catch (ignored) { /* the text stays selected */ }
        }
      }
    };
  }

  document.addEventListener("alpine:init", function () { window.Alpine.data("snippetBox", snippetBox); });
})();
