/* Fast Lead cabinet: the guided tour through the sections (driver.js, vendored to static/dist/js/driver.js).
 *
 * The steps and whether it starts by itself come from the page (templates/dashboard/_tour.html, decided by
 * dashboard/profile/tour.py). Closed (×, Escape) or finished, it is not started by itself again: the server keeps
 * that on the user. «Экскурсия по кабинету» in the «Помощь» menu starts it again, loading driver.js if the page did
 * not. On a phone the sections are in the off-canvas drawer: it is opened for them and closed for the rest.
 */
(function () {
  "use strict";

  var DRAWER_MS = 260; // the drawer's slide-in (200 ms in templates/dashboard/base.html) and a little more
  var tour = null; // the running driver, if any
  var openedDrawer = false;

  function settings() {
    return document.getElementById("cabinet-tour");
  }

  function steps() {
    var data = document.getElementById("cabinet-tour-steps");
    return data ? JSON.parse(data.textContent) : [];
  }

  function visible(element) {
    return !!element && element.getClientRects().length > 0;
  }

  function target(section) {
    var found = document.querySelectorAll('[data-tour="' + section + '"]');
    for (var i = 0; i < found.length; i++) {
      if (visible(found[i])) return found[i];
    }
    return null;
  }

  function layout() {
    var root = document.querySelector("[x-data=cabinet]");
    return root && window.Alpine ? window.Alpine.$data(root) : null;
  }

  function inDrawer(step) {
    return !!step.section && !!document.querySelector('#cabinet-drawer [data-tour="' + step.section + '"]');
  }

  // Open or close the phone's drawer (only where the desktop sidebar is hidden); resolves once it has moved.
  function drawer(open) {
    var state = layout();
    var sidebarShown = visible(document.querySelector('aside [data-tour]'));
    if (!state || sidebarShown || state.sidebarOpen === open) return Promise.resolve();
    state.sidebarOpen = open;
    openedDrawer = open;
    return new Promise(function (resolve) { setTimeout(resolve, DRAWER_MS); });
  }

  function dismiss() {
    var config = settings();
    fetch(config.dataset.dismissUrl, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "X-CSRFToken": config.dataset.csrf, "X-Requested-With": "fetch" }
    }).catch(function () { /* offline: it starts again next time, nothing else is lost */ });
  }

  function loadDriver() {
    if (window.driver && window.driver.js) return Promise.resolve();
    var config = settings();
    return new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = config.dataset.driverCss;
      document.head.appendChild(css);
      var script = document.createElement("script");
      script.src = config.dataset.driverJs;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function start() {
    if (tour) return;
    var plan = steps();
    var driverSteps = plan.map(function (step) {
      var driveStep = { popover: { title: step.title, description: step.text } };
      if (step.section) {
        driveStep.element = function () { return target(step.section); };
        driveStep.popover.side = step.section === "help" ? "bottom" : "right";
        driveStep.popover.align = step.section === "help" ? "end" : "start";
      }
      return driveStep;
    });

    function go(index) {
      if (index >= plan.length) {
        tour.destroy();
        return;
      }
      drawer(inDrawer(plan[index])).then(function () { tour.moveTo(index); });
    }

    tour = window.driver.js.driver({
      steps: driverSteps,
      showProgress: true,
      progressText: "{{current}} из {{total}}",
      nextBtnText: "Дальше",
      prevBtnText: "Назад",
      doneBtnText: "Готово",
      stagePadding: 4,
      popoverClass: settings().dataset.popoverClass,
      onPopoverRender: function (popover) {
        popover.closeButton.setAttribute("aria-label", "Закрыть");
        popover.closeButton.title = "Закрыть";
      },
      onNextClick: function () { go(tour.getActiveIndex() + 1); },
      onPrevClick: function () { go(tour.getActiveIndex() - 1); },
      onDestroyed: function () {
        tour = null;
        dismiss();
        if (openedDrawer) drawer(false);
      }
    });
    drawer(inDrawer(plan[0])).then(function () { tour.drive(0); });
  }

  function startWithDriver() {
    loadDriver().then(start, function () { /* driver.js did not load: the cabinet works on without the tour */ });
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-tour-start]")) startWithDriver();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var config = settings();
    if (config && config.dataset.autostart === "true") startWithDriver();
  });
})();
