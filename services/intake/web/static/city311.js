// city311 pages work without JavaScript; this only adds map clicks, address suggestions, "use my location"
// and the chosen place shown back (with the nearest known address) before the form is sent.
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

  function showChosen(text) {
    var chosen = document.getElementById("chosen-place");
    if (!chosen) { return; }
    chosen.textContent = text;
    chosen.hidden = false;
  }

  function showNearest(lat, long) {
    var chosen = document.getElementById("chosen-place");
    if (!chosen) { return; }
    var where = " (" + lat.toFixed(6) + ", " + long.toFixed(6) + ")";
    showChosen(chosen.dataset.label + " " + chosen.dataset.point + where);
    fetch(chosen.dataset.nearest + "?lat=" + lat.toFixed(6) + "&long=" + long.toFixed(6))
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.address) {
          showChosen(chosen.dataset.label + " " + chosen.dataset.near + " " + data.address.address + where);
        }
      })
      .catch(function () { /* the point alone is shown; the address is a convenience */ });
  }

  function useMyLocation(button) {
    button.parentNode.hidden = false;
    button.addEventListener("click", function () {
      showChosen(button.dataset.locating);
      navigator.geolocation.getCurrentPosition(function (position) {
        setPoint(position.coords.latitude, position.coords.longitude);
        showNearest(position.coords.latitude, position.coords.longitude);
      }, function () {
        showChosen(button.dataset.unavailable);
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
  }

  function onMapClick(event) {
    var map = event.currentTarget, point = map.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var local = point.matrixTransform(map.getScreenCTM().inverse());
    var lat = +map.dataset.north - local.y / +map.dataset.yScale, long = +map.dataset.west + local.x / +map.dataset.xScale;
    setPoint(lat, long);
    showNearest(lat, long);
    var details = document.querySelector("details.coordinates");
    if (details) { details.open = true; }
  }

  function suggester(input) {
    var list = document.getElementById(input.getAttribute("list")), known = {}, timer = null;
    input.addEventListener("input", function () {
      if (known[input.value]) {
        var chosen = document.getElementById("chosen-place"), a = known[input.value];
        setPoint(a.lat, a.long);
        if (chosen) { showChosen(chosen.dataset.label + " " + a.address + " (" + a.lat + ", " + a.long + ")"); }
        return;
      }
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
    var locate = document.getElementById("use-location");
    if (locate && navigator.geolocation && window.isSecureContext !== false) { useMyLocation(locate); }
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
