/* The managers' dashboard: filters → the metrics JSON API → tiles, charts, the equity view and the map. */
(function () {
  "use strict";
  const $ = (selector) => document.querySelector(selector);
  const FLOW = ["from", "to", "department", "district"];
  const CURRENT = ["department", "district"];
  const COLOURS = { accent: "#1f6feb", late: "#c2410c", ok: "#15803d", muted: "#b8c0ca", info: "#8b5cf6" };
  const charts = {};
  let geography = null;

  const percent = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 1000) / 10}%`);
  const number = (v) => (v === null || v === undefined ? "–" : v.toLocaleString("en"));
  const hours = (v) => (v === null || v === undefined ? "–" : `${v.toFixed(1)} h`);

  function filters() {
    const data = new FormData($("#filters"));
    return Object.fromEntries(FLOW.map((k) => [k, data.get(k) || ""]).filter(([, v]) => v));
  }

  function query(keys) {
    const chosen = filters();
    const params = new URLSearchParams(keys.filter((k) => chosen[k]).map((k) => [k, chosen[k]]));
    return params.toString() ? `?${params}` : "";
  }

  async function fetchJson(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || `${path}: HTTP ${response.status}`);
    return body;
  }

  function chart(id, config) {
    if (!window.Chart) return;  // the library is missing (npm ci not run): tables and the map still work
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    charts[id] = new Chart($(`#${id}`), config);
  }

  function tiles(overview) {
    const close = overview.timings.to_close;
    const items = [
      ["Service requests", number(overview.service_requests)],
      ["Information share", percent(overview.information_share)],
      ["Median time to close", hours(close.median_hours), `90th percentile ${hours(close.p90_hours)}`],
      ["Service levels met", percent(overview.service_levels.compliance), `${number(overview.service_levels.decided)} decided`],
      ["Open now", number(overview.open)],
      ["Overdue now", number(overview.overdue)],
      ["Duplicate rate", percent(overview.quality.duplicate_rate)],
      ["Satisfaction (1–5)", overview.quality.surveys.mean_satisfaction ?? "–", `not fixed ${percent(overview.quality.surveys.not_fixed_rate)}`],
    ];
    $("#kpis").innerHTML = "";
    for (const [label, value, note] of items) {
      const tile = document.createElement("div");
      tile.className = "tile";
      tile.innerHTML = `<div class="label"></div><div class="value"></div><div class="label note"></div>`;
      tile.children[0].textContent = label;
      tile.children[1].textContent = value;
      tile.children[2].textContent = note || "";
      $("#kpis").appendChild(tile);
    }
  }

  function serviceLevelsChart(levels) {
    const departments = Object.keys(levels.by_department);
    chart("chart-service-levels", { type: "bar", data: { labels: departments, datasets: [{
      label: "met (%)", backgroundColor: COLOURS.ok,
      data: departments.map((d) => (levels.by_department[d].compliance ?? 0) * 100) }] },
      options: { scales: { y: { min: 0, max: 100 } }, plugins: { legend: { display: false } } } });
  }

  function timeToCloseChart(timings) {
    const departments = Object.keys(timings.to_close_by_department);
    chart("chart-time-to-close", { type: "bar", data: { labels: departments, datasets: [
      { label: "median (h)", backgroundColor: COLOURS.accent, data: departments.map((d) => timings.to_close_by_department[d].median_hours) },
      { label: "90th percentile (h)", backgroundColor: COLOURS.muted, data: departments.map((d) => timings.to_close_by_department[d].p90_hours) }] } });
  }

  function volumeCharts(volumes) {
    const channels = Object.keys(volumes.by_channel);
    chart("chart-channels", { type: "bar", data: { labels: channels, datasets: [
      { label: "service requests", backgroundColor: COLOURS.accent, data: channels.map((c) => volumes.by_channel[c].service) },
      { label: "information", backgroundColor: COLOURS.info, data: channels.map((c) => volumes.by_channel[c].information) }] },
      options: { scales: { x: { stacked: true }, y: { stacked: true } } } });
    chart("chart-days", { type: "line", data: { labels: volumes.by_day.map((d) => d.day), datasets: [
      { label: "service requests", borderColor: COLOURS.accent, data: volumes.by_day.map((d) => d.service) },
      { label: "information", borderColor: COLOURS.info, data: volumes.by_day.map((d) => d.information) }] } });
  }

  function equityView(equity) {
    const areas = equity.areas;
    chart("chart-equity", { type: "bar", data: { labels: areas.map((a) => a.area), datasets: [{
      label: "met (%)", data: areas.map((a) => (a.compliance ?? 0) * 100),
      backgroundColor: areas.map((a) => (a.small_count ? COLOURS.muted : COLOURS.ok)) }] },
      options: { scales: { y: { min: 0, max: 100 } }, plugins: { legend: { display: false } } } });
    const gap = equity.gaps.compliance;
    $("#equity-gap").textContent = gap.best
      ? `Gap: ${gap.best.area} meets ${percent(gap.best.value)}, ${gap.worst.area} ${percent(gap.worst.value)} — ${Math.round(gap.difference * 1000) / 10} points apart.`
      : `No gap yet: ${gap.note}.`;
    const body = $("#equity-table tbody");
    body.innerHTML = "";
    for (const a of areas) {
      const row = body.insertRow();
      row.className = a.small_count ? "small" : "";
      row.title = a.small_count ? `fewer than ${equity.min_count} requests: not ranked` : "";
      for (const value of [a.name || a.area, number(a.requests), percent(a.compliance), a.median_close_hours ?? "–",
        number(a.open), number(a.overdue), a.mean_satisfaction ?? "–", a.rank ?? (a.small_count ? "small count" : "–")]) {
        row.insertCell().textContent = value;
      }
    }
  }

  function overdueTable(overdue) {
    $("#overdue-count").textContent = `${number(overdue.count)} requests past their due time`;
    const body = $("#overdue-table tbody");
    body.innerHTML = "";
    for (const r of overdue.requests) {
      const row = body.insertRow();
      for (const value of [r.service_request_id, r.service_name || r.service_code, r.department, r.district || "–",
        new Date(r.due_at).toLocaleString("en"), r.overdue_hours]) {
        row.insertCell().textContent = value ?? "–";
      }
    }
  }

  function drawMap(points) {
    const drawn = City311Map.draw($("#map"), geography, points.points, {
      selected: filters().district || "",
      onSelect: (code) => { $("#filter-district").value = code; refresh(); },
    });
    $("#map-note").textContent = points.truncated ? `Showing ${drawn} of ${points.count} open requests.` : `${points.count} open requests with a location.`;
  }

  async function refresh() {
    document.body.dataset.state = "loading";
    $("#status").textContent = "Loading…";
    const flow = query(FLOW), current = query(CURRENT);
    history.replaceState(null, "", flow ? `/${flow}` : "/");
    $("#export-link").href = `/api/export.csv${query(["from", "to", "department", "district"])}`;
    try {
      const [overview, levels, timings, volumes, equity, overdue, points] = await Promise.all([
        fetchJson(`/api/overview${flow}`), fetchJson(`/api/service-levels${flow}`), fetchJson(`/api/timings${flow}`),
        fetchJson(`/api/volumes${flow}`), fetchJson(`/api/equity${flow}`), fetchJson(`/api/overdue${current}`),
        fetchJson(`/api/map${current}`)]);
      tiles(overview);
      serviceLevelsChart(levels);
      timeToCloseChart(timings);
      volumeCharts(volumes);
      equityView(equity);
      overdueTable(overdue);
      drawMap(points);
      const period = overview.filters;
      const missing = window.Chart ? "" : " Charts are unavailable: the server has no Chart.js (run npm ci in services/metrics/web).";
      $("#status").textContent = `Requests created ${new Date(period.from).toLocaleDateString("en")} – ${new Date(period.to).toLocaleDateString("en")}; open and overdue as of ${new Date(overview.as_of).toLocaleString("en")}.${missing}`;
      document.body.dataset.state = "ready";
    } catch (error) {
      $("#status").textContent = `Could not load the measures: ${error.message}`;
      document.body.dataset.state = "error";
    }
  }

  function option(select, value, label) {
    const node = document.createElement("option");
    node.value = value;
    node.textContent = label;
    select.appendChild(node);
  }

  async function start() {
    const initial = new URLSearchParams(location.search);
    try {
      const [options, geo] = await Promise.all([fetchJson("/api/options"), fetchJson("/api/geography")]);
      geography = geo;
      $("#jurisdiction").textContent = geo.name;
      options.departments.forEach((d) => option($("#filter-department"), d.code, d.name));
      options.districts.forEach((d) => option($("#filter-district"), d.code, d.name));
    } catch (error) {
      $("#status").textContent = `Could not load the filters: ${error.message}`;
      document.body.dataset.state = "error";
      return;
    }
    for (const key of FLOW) if (initial.get(key)) $(`#filters [name=${key}]`).value = initial.get(key);
    $("#filters").addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
    await refresh();
  }

  start();
})();
