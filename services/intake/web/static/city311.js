// city311 pages work without JavaScript; this only adds map clicks and address suggestions.
(function () {
  "use strict";

  function setPoint(lat, long) {
    var latInput = document.getElementById("lat"), longInput = document.getElementById("long");
    if (!latInput || !longInput) { return; }
    latInput.value = lat.toFixed(6);
    longInput.value = long.toFixed(6);
    var map = document.querySelector("svg.district-map");
    if (map) {
      var marker = map.querySelector(".marker");
      marker.setAttribute("cx", ((long - +map.dataset.west) * +map.dataset.xScale).toFixed(1));
      marker.setAttribute("cy", ((+map.dataset.north - lat) * +map.dataset.yScale).toFixed(1));
      marker.classList.remove("hidden");
    }
  }

  function onMapClick(event) {
    var map = event.currentTarget, point = map.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var local = point.matrixTransform(map.getScreenCTM().inverse());
    setPoint(+map.dataset.north - local.y / +map.dataset.yScale, +map.dataset.west + local.x / +map.dataset.xScale);
    var details = document.querySelector("details.coordinates");
    if (details) { details.open = true; }
  }

  function suggester(input) {
    var list = document.getElementById(input.getAttribute("list")), known = {}, timer = null;
    input.addEventListener("input", function () {
      if (known[input.value]) { setPoint(known[input.value].lat, known[input.value].long); return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (input.value.trim().length < 2) { return; }
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(input.value))
          .then(function (response) { return response.json(); })
          .then(function (data) {
            list.textContent = "";
            data.addresses.forEach(function (a) {
              var option = document.createElement("option");
              option.value = a.address;
              known[a.address] = a;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience; typing still works */ });
      }, 150);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var map = document.querySelector("svg.district-map");
    if (map) { map.addEventListener("click", onMapClick); }
    Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), suggester);
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
