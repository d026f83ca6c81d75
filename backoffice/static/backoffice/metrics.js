/* Fast Lead platform admin, «Бизнес-метрики»: draws the charts with Apache ECharts (static/dist/js/echarts.min.js)
 * from the JSON the view puts in <script id="business-metrics-data" type="application/json">. SVG renderer, no eval,
 * no inline script (the admin's CSP). */
(function () {
  "use strict";

  var BLUE = "#2563eb";
  var GREEN = "#059669";
  var AMBER = "#d97706";
  var RED = "#dc2626";
  var charts = [];
  var NBSP = "\u00a0";
  var NUMBER = new Intl.NumberFormat("ru-RU", { maximumFractionDigits: 1 });  // «21 000», «0,2»

  // A value as the admin's tiles write it: a no-break space between thousands, a decimal comma, the unit after a
  // no-break space; minutes from an hour on as «9 ч 44 мин».
  function format(value, unit) {
    if (value === null || value === undefined) return "—";
    if (unit === "мин" && Math.abs(value) >= 60) {
      var minutes = Math.round(value);
      var hours = Math.floor(minutes / 60);
      return NUMBER.format(hours) + NBSP + "ч" + (minutes % 60 ? " " + (minutes % 60) + NBSP + "мин" : "");
    }
    return NUMBER.format(value) + (unit ? NBSP + unit : "");
  }

  function draw(id, data, series, unit) {
    var element = document.getElementById(id);
    if (!element || !window.echarts) return;
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    charts.push(chart);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: function (value) { return format(value, unit); } },
      legend: series.length > 1 ? { bottom: 0 } : undefined,
      grid: { left: 8, right: 24, top: 12, bottom: series.length > 1 ? 40 : 12, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: unit === "%" ? 0 : 1,
               axisLabel: { formatter: function (value) { return format(value, unit); } } },
      series: series.map(function (one) {
        return { name: one.name, type: "line", data: one.values, color: one.color, showSymbol: data.labels.length <= 31,
                 connectNulls: false };
      })
    });
  }

  function start() {
    var source = document.getElementById("business-metrics-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    draw("chart-registrations", data, [
      { name: "Регистрации", values: data.registrations, color: BLUE },
      { name: "Пробные периоды", values: data.trialsStarted, color: GREEN }
    ]);
    draw("chart-conversion", data, [{ name: "Конверсия", values: data.conversion, color: GREEN }], "%");
    draw("chart-churn", data, [{ name: "Отток", values: data.churn, color: RED }], "%");
    draw("chart-mrr", data, [{ name: "MRR", values: data.mrr, color: BLUE }], "₽");
    draw("chart-arpu", data, [{ name: "ARPU", values: data.arpu, color: BLUE }], "₽");
    draw("chart-active", data, [{ name: "Активные", values: data.active, color: GREEN }]);
    draw("chart-leads", data, [{ name: "Лиды", values: data.leads, color: BLUE }]);
    draw("chart-first-contact", data, [
      { name: "Медиана", values: data.firstContactMedian, color: GREEN },
      { name: "95-й перцентиль", values: data.firstContactP95, color: AMBER }
    ], "мин");
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
