/* The managers' dashboard: filters → the metrics JSON API → tiles, charts, the equity view and the map.
   Every chart and the map have a table of the same numbers ("Show as table"): both are drawn from one
   object, so they never disagree, also after a refresh. Words and formats come from words.js. */
(function () {
  "use strict";
  const $ = (selector) => document.querySelector(selector);
  const words = window.City311Words;
  const { _, ngettext, number, percent, hours } = words;
  const FLOW = ["from", "to", "department", "district"];
  const CURRENT = ["department", "district"];
  // Bars and lines keep 3:1 against white (WCAG's non-text contrast); the tables carry every value anyway.
  const COLOURS = { accent: "#1f6feb", p90: "#475569", ok: "#15803d", small: "#7d8997", info: "#7c3aed" };
  const CHANNELS = { web: _("web"), phone: _("phone"), mobile: _("mobile app"), sms: _("text message"),
    email: _("email"), unknown: _("unknown") };
  const charts = {};
  let geography = null;

  const tenth = (v) => (v === null || v === undefined ? null : Math.round(v * 10) / 10);
  const share = (ratio) => (ratio === null || ratio === undefined ? null : tenth(ratio * 100));
  if (window.Chart) Object.assign(window.Chart.defaults, { locale: words.lang, color: "#1d2733" });

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

  /** A chart and its table from one set of numbers: {category, labels, series: [{label, data, colour}]}. */
  function figure(id, type, numbers, options) {
    chart(id, type, numbers, options);
    dataTable($(`#table-${id}`), numbers);
  }

  function chart(id, type, numbers, options) {
    if (!window.Chart) return;  // the library is missing (npm ci not run): the tables still show every number
    if (charts[id]) charts[id].destroy();
    const datasets = numbers.series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.colour, borderColor: s.colour }));
    charts[id] = new window.Chart($(`#chart-${id}`), { type, data: { labels: numbers.labels, datasets },
      options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, options || {}) });
  }

  function dataTable(table, numbers) {
    table.tHead.innerHTML = "";
    const top = table.tHead.insertRow();
    [numbers.category, ...numbers.series.map((s) => s.label)].forEach((text, i) => header(top, text, "col", i ? "num" : ""));
    const body = table.tBodies[0];
    body.innerHTML = "";
    if (!numbers.labels.length) {
      const cell = body.insertRow().insertCell();
      cell.colSpan = numbers.series.length + 1;
      cell.textContent = _("Nothing in this period.");
    }
    numbers.labels.forEach((label, i) => {
      const row = body.insertRow();
      header(row, label, "row");
      for (const s of numbers.series) cells(row, [number(s.data[i])], "num");
    });
  }

  function header(row, text, scope, className) {
    const cell = document.createElement("th");
    cell.scope = scope;
    cell.textContent = text;
    if (className) cell.className = className;
    row.appendChild(cell);
  }

  function cells(row, values, className) {
    for (const value of values) {
      const cell = row.insertCell();
      cell.textContent = value ?? "–";
      if (className) cell.className = className;
    }
  }

  function tiles(overview) {
    const close = overview.timings.to_close, levels = overview.service_levels, surveys = overview.quality.surveys;
    const items = [
      [_("Service requests"), number(overview.service_requests)],
      [_("Information share"), percent(overview.information_share)],
      [_("Median time to close"), hours(close.median_hours), _("90th percentile {value}", { value: hours(close.p90_hours) })],
      [_("Service levels met"), percent(levels.compliance), ngettext("{count} decided", "{count} decided", levels.decided)],
      [_("Open now"), number(overview.open)],
      [_("Overdue now"), number(overview.overdue)],
      [_("Duplicate rate"), percent(overview.quality.duplicate_rate)],
      [_("Satisfaction (1–5)"), number(surveys.mean_satisfaction), _("not fixed {value}", { value: percent(surveys.not_fixed_rate) })],
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
    figure("service-levels", "bar", { category: _("Department"), labels: departments, series: [{ label: _("met (%)"),
      colour: COLOURS.ok, data: departments.map((d) => share(levels.by_department[d].compliance)) }] },
    { scales: { y: { min: 0, max: 100 } }, plugins: { legend: { display: false } } });
  }

  function timeToCloseChart(timings) {
    const departments = Object.keys(timings.to_close_by_department), close = timings.to_close_by_department;
    figure("time-to-close", "bar", { category: _("Department"), labels: departments, series: [
      { label: _("median (h)"), colour: COLOURS.accent, data: departments.map((d) => tenth(close[d].median_hours)) },
      { label: _("90th percentile (h)"), colour: COLOURS.p90, data: departments.map((d) => tenth(close[d].p90_hours)) }] });
  }

  function volumeCharts(volumes) {
    const channels = Object.keys(volumes.by_channel);
    figure("channels", "bar", { category: _("Channel"), labels: channels.map((c) => CHANNELS[c] || c), series: [
      { label: _("service requests"), colour: COLOURS.accent, data: channels.map((c) => volumes.by_channel[c].service) },
      { label: _("information questions"), colour: COLOURS.info, data: channels.map((c) => volumes.by_channel[c].information) }] },
    { scales: { x: { stacked: true }, y: { stacked: true } } });
    figure("days", "line", { category: _("Day"), labels: volumes.by_day.map((d) => words.day(d.day)), series: [
      { label: _("service requests"), colour: COLOURS.accent, data: volumes.by_day.map((d) => d.service) },
      { label: _("information questions"), colour: COLOURS.info, data: volumes.by_day.map((d) => d.information) }] });
  }

  function equityView(equity) {
    const areas = equity.areas;
    figure("equity", "bar", { category: _("District"), labels: areas.map((a) => a.area), series: [{ label: _("met (%)"),
      data: areas.map((a) => share(a.compliance)), colour: areas.map((a) => (a.small_count ? COLOURS.small : COLOURS.ok)) }] },
    { scales: { y: { min: 0, max: 100 } }, plugins: { legend: { display: false } } });
    const gap = equity.gaps.compliance;
    $("#equity-gap").textContent = gap.best
      ? _("Gap: {best} meets {best_value}, {worst} {worst_value} — {points} points apart.", { best: gap.best.area,
        best_value: percent(gap.best.value), worst: gap.worst.area, worst_value: percent(gap.worst.value),
        points: number(share(gap.difference)) })
      : ngettext("No gap yet: it needs two districts with at least {count} decided request.",
        "No gap yet: it needs two districts with at least {count} decided requests.", equity.min_count);
    const body = $("#equity-table tbody");
    body.innerHTML = "";
    for (const a of areas) {
      const row = body.insertRow();
      if (a.small_count) {
        row.className = "small";
        row.title = ngettext("fewer than {count} request: not ranked", "fewer than {count} requests: not ranked", equity.min_count);
      }
      header(row, a.name || a.area, "row");
      cells(row, [number(a.requests), percent(a.compliance), number(a.median_close_hours), number(a.open),
        number(a.overdue), number(a.mean_satisfaction)], "num");
      cells(row, [a.rank ?? (a.small_count ? _("small count") : "–")]);
    }
  }

  function overdueTable(overdue) {
    $("#overdue-count").textContent = ngettext("{count} request past its due time", "{count} requests past their due time", overdue.count);
    const body = $("#overdue-table tbody");
    body.innerHTML = "";
    for (const r of overdue.requests) {
      const row = body.insertRow();
      header(row, r.service_request_id, "row");
      cells(row, [r.service_name || r.service_code, r.department, r.district, words.dateTime(r.due_at)]);
      cells(row, [number(r.overdue_hours)], "num");
    }
  }

  function drawMap(points) {
    const drawn = City311Map.draw($("#map"), geography, points.points, {
      selected: filters().district || "",
      onSelect: (code) => { $("#filter-district").value = code; refresh(); },
    });
    $("#map-note").textContent = points.truncated
      ? _("Showing {drawn} of {count} open requests.", { drawn: number(drawn), count: number(points.count) })
      : ngettext("{count} open request with a location.", "{count} open requests with a location.", points.count);
    dataTable($("#table-map"), mapNumbers(points.points));
  }

  /** The points on the map counted by council district, in the jurisdiction's order. */
  function mapNumbers(points) {
    const districts = geography.districts.features.map((f) => [f.properties.code, f.properties.name || f.properties.code]);
    const known = new Set(districts.map(([code]) => code));
    const outside = points.filter((p) => !known.has(p.district));
    if (outside.length) districts.push([null, _("no district")]);
    const count = (code, onlyOverdue) => (code === null ? outside : points.filter((p) => p.district === code))
      .filter((p) => !onlyOverdue || p.overdue).length;
    return { category: _("District"), labels: districts.map(([, name]) => name), series: [
      { label: _("open"), data: districts.map(([code]) => count(code, false)) },
      { label: _("of which overdue"), data: districts.map(([code]) => count(code, true)) }] };
  }

  /** The language switch comes back to this page with the same filters. */
  function keepFiltersOnSwitch() {
    const link = $("#language-switch"), target = new URL(link.href);
    target.searchParams.set("next", location.pathname + location.search);
    link.href = target.pathname + target.search;
  }

  async function refresh() {
    document.body.dataset.state = "loading";
    $("#status").textContent = _("Loading…");
    const flow = query(FLOW), current = query(CURRENT);
    history.replaceState(null, "", flow ? `/${flow}` : "/");
    keepFiltersOnSwitch();
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
      const status = _("Requests created {from} – {to}; open and overdue as of {as_of}.", {
        from: words.date(period.from), to: words.date(period.to), as_of: words.dateTime(overview.as_of) });
      const missing = _("Charts are unavailable: the server has no Chart.js (run npm ci in services/metrics/web); the tables still show every number.");
      $("#status").textContent = window.Chart ? status : `${status} ${missing}`;
      document.body.dataset.state = "ready";
    } catch (error) {
      $("#status").textContent = _("Could not load the measures: {error}", { error: error.message });
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
      words.useTimeZone(geo.timezone);
      $("#jurisdiction").textContent = geo.name;
      options.departments.forEach((d) => option($("#filter-department"), d.code, d.name));
      options.districts.forEach((d) => option($("#filter-district"), d.code, d.name));
    } catch (error) {
      $("#status").textContent = _("Could not load the filters: {error}", { error: error.message });
      document.body.dataset.state = "error";
      return;
    }
    for (const key of FLOW) if (initial.get(key)) $(`#filters [name=${key}]`).value = initial.get(key);
    $("#filters").addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
    await refresh();
  }

  start();
})();
