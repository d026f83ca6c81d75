/* Fast Lead cabinet, Analytics: draws the page's charts with Apache ECharts (static/dist/js/echarts.min.js, loaded
 * only on this page) from the JSON the view puts in <script id="analytics-data" type="application/json">.
 * Every point, bar, cell and funnel stage opens the leads list with the same filters (the URLs come from the
 * server). SVG renderer: crisp on phones and its elements are real DOM nodes. No eval, no inline script.
 */
(function () {
  "use strict";

  var BRAND = "#2563eb";
  var MUTED = "#94a3b8";
  var GREEN = "#059669";
  var charts = [];

  function open(url) {
    if (url) window.location.assign(url);
  }

  function make(id) {
    var element = document.getElementById(id);
    if (!element || !window.echarts) return null;
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  }

  function narrow() {
    return window.matchMedia("(max-width: 639px)").matches;
  }

  function days(data) {
    var chart = make("chart-days");
    if (!chart) return;
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: ["Этот период", "Прошлый период"], bottom: 0 },
      grid: { left: 36, right: 12, top: 12, bottom: 56 },
      xAxis: { type: "category", data: data.labels, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "Этот период", type: "line", data: data.current, color: BRAND, symbolSize: 8, triggerLineEvent: true },
        { name: "Прошлый период", type: "line", data: data.previous, color: MUTED, symbolSize: 4,
          lineStyle: { type: "dashed" }, silent: true }
      ]
    });
    chart.on("click", function (params) {
      if (params.seriesIndex === 0) open(data.urls[params.dataIndex]);
    });
  }

  function funnel(data) {
    var chart = make("chart-funnel");
    if (!chart) return;
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      // The labels right of the bars, in dark text: inside, a narrow last stage cut its label (white on white).
      series: [{
        type: "funnel", sort: "none", left: 0, width: "55%", top: 8, bottom: 8, minSize: "20%", gap: 4,
        color: [BRAND, "#60a5fa", GREEN],
        label: { position: "right", color: "#334155", fontSize: 13, formatter: "{b}: {c}" },
        labelLine: { length: 8, lineStyle: { color: MUTED } },
        data: data.stages.map(function (stage) { return { name: stage.name, value: stage.value, url: stage.url }; })
      }]
    });
    chart.on("click", function (params) { open(params.data && params.data.url); });
  }

  function channels(data) {
    var chart = make("chart-channels");
    if (!chart) return;
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: ["Заявки", "Записаны"], bottom: 0 },
      grid: { left: 8, right: 12, top: 8, bottom: 40, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.labels, inverse: true },
      series: [
        { name: "Заявки", type: "bar", data: data.leads, color: BRAND, barMaxWidth: 24 },
        { name: "Записаны", type: "bar", data: data.booked, color: GREEN, barMaxWidth: 24 }
      ]
    });
    chart.on("click", function (params) {
      open((params.seriesIndex === 1 ? data.bookedUrls : data.urls)[params.dataIndex]);
    });
  }

  function heatmap(data) {
    var chart = make("chart-heatmap");
    if (!chart) return;
    chart.setOption({
      animation: false,
      tooltip: {
        formatter: function (params) {
          return data.weekdays[params.value[1]] + ", " + data.hours[params.value[0]] + ":00 — заявок: " + params.value[2];
        }
      },
      grid: { left: 32, right: 8, top: 8, bottom: narrow() ? 64 : 56 },
      xAxis: { type: "category", data: data.hours, splitArea: { show: true }, axisLabel: { interval: narrow() ? 3 : 1 } },
      yAxis: { type: "category", data: data.weekdays, inverse: true, splitArea: { show: true } },
      visualMap: {
        min: 0, max: Math.max(1, data.max), calculable: false, orient: "horizontal", left: "center", bottom: 0,
        text: [String(Math.max(1, data.max)), "0"],
        itemHeight: narrow() ? 120 : 200, inRange: { color: ["#dbeafe", BRAND, "#1e3a8a"] }
      },
      series: [{ type: "heatmap", data: data.cells, itemStyle: { borderColor: "#fff", borderWidth: 1 } }]
    });
    chart.on("click", function () { open(data.url); });
  }

  function start() {
    var source = document.getElementById("analytics-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    days(data.days);
    funnel(data.funnel);
    channels(data.channels);
    heatmap(data.heatmap);
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
    document.documentElement.setAttribute("data-charts-ready", String(charts.length));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
