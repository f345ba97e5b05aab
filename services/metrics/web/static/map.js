/* The open-requests map: council districts, the city limits and request points drawn as SVG.
   No map tiles: everything comes from the jurisdiction's GeoJSON and the metrics API. */
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 1000;
  const { _ } = window.City311Words;

  function rings(geometry) {
    if (!geometry) return [];
    if (geometry.type === "Polygon") return geometry.coordinates;
    if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
    return [];
  }

  function projection(positions) {
    const lons = positions.map((p) => p[0]), lats = positions.map((p) => p[1]);
    const minLon = Math.min(...lons), maxLon = Math.max(...lons);
    const minLat = Math.min(...lats), maxLat = Math.max(...lats);
    const kx = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
    const spanX = Math.max((maxLon - minLon) * kx, 1e-6), spanY = Math.max(maxLat - minLat, 1e-6);
    const scale = (WIDTH - 40) / spanX;
    const height = Math.round(spanY * scale + 40);
    return {
      height,
      point: (lon, lat) => [20 + (lon - minLon) * kx * scale, 20 + (maxLat - lat) * scale],
    };
  }

  function element(name, attributes, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (parent) parent.appendChild(node);
    return node;
  }

  function pathOf(geometry, project) {
    return rings(geometry).map((ring) => "M" + ring.map(([lon, lat]) => project(lon, lat).map((v) => v.toFixed(1)).join(" ")).join("L") + "Z").join("");
  }

  function centre(geometry, project) {
    const all = rings(geometry).flat();
    const lon = all.reduce((s, p) => s + p[0], 0) / all.length, lat = all.reduce((s, p) => s + p[1], 0) / all.length;
    return project(lon, lat);
  }

  /** Draw the map into `svg`; options: selected (district code), onSelect(code). Returns the points drawn. */
  function draw(svg, geography, points, options) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const districts = geography.districts.features, limits = geography.city_limits.features;
    const shapes = [...limits, ...districts].flatMap((f) => rings(f.geometry).flat());
    const positions = shapes.length ? shapes : points.map((p) => [p.long, p.lat]);
    if (!positions.length) return 0;
    const view = projection(positions);
    svg.setAttribute("viewBox", `0 0 ${WIDTH} ${view.height}`);
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    for (const feature of limits) element("path", { d: pathOf(feature.geometry, view.point), class: "limits" }, svg);
    for (const feature of districts) {
      const code = feature.properties.code;
      const shape = element("path", { d: pathOf(feature.geometry, view.point), "data-district": code,
        class: "district" + (code === options.selected ? " selected" : "") }, svg);
      element("title", {}, shape).textContent = feature.properties.name || code;
      shape.addEventListener("click", () => options.onSelect(code === options.selected ? "" : code));
      const [x, y] = centre(feature.geometry, view.point);
      element("text", { x: x.toFixed(1), y: y.toFixed(1), class: "label" }, svg).textContent = code;
    }
    for (const p of points) {
      const [x, y] = view.point(p.long, p.lat);
      const dot = element("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 7, class: "point" + (p.overdue ? " overdue" : "") }, svg);
      const unrouted = _("unrouted"), state = p.overdue ? " · " + _("past due") : "";
      element("title", {}, dot).textContent = `${p.service_request_id} · ${p.service_code || ""} · ${p.department || unrouted}${state}`;
    }
    return points.length;
  }

  window.City311Map = { draw };
})();
