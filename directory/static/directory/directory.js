// Progressive enhancement of the public directory: the list works without this file.
(function () {
  "use strict";
  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  // Map: Leaflet from our static files, tiles from the MAP_TILE_URL setting.
  var box = document.getElementById("directory-map");
  var points = readJSON("map-points") || [];
  var config = readJSON("map-config") || {};
  if (box && window.L && points.length) {
    box.hidden = false;
    var map = L.map(box, { scrollWheelZoom: false });
    if (config.tiles) {
      L.tileLayer(config.tiles, { maxZoom: 18, attribution: config.attribution || "" }).addTo(map);
    }
    var bounds = [];
    points.forEach(function (p) {
      var marker = L.marker([p.lat, p.lon], { title: p.name, alt: p.name }).addTo(map);
      var label = document.createElement("span");
      if (p.url) {
        var a = document.createElement("a");
        a.href = p.url;
        a.textContent = p.name;
        label.appendChild(a);
      } else {
        label.textContent = p.name;
      }
      if (p.minutes !== null && p.minutes !== undefined) {
        label.appendChild(document.createTextNode(" · " + p.minutes + " min"));
      }
      marker.bindPopup(label);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length === 1) { map.setView(bounds[0], 13); } else { map.fitBounds(bounds, { padding: [30, 30] }); }
  }

  // Commune suggestions in the search box (a datalist; typing and submitting works without).
  var input = document.getElementById("id_q");
  var list = document.getElementById("communes-list");
  if (input && list && input.dataset.suggestUrl && window.fetch) {
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { return; }
      timer = setTimeout(function () {
        fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(q))
          .then(function (r) { return r.json(); })
          .then(function (data) {
            list.textContent = "";
            data.results.forEach(function (c) {
              var opt = document.createElement("option");
              opt.value = c.name;
              opt.label = c.label + (c.postcodes.length ? " " + c.postcodes.join(" ") : "");
              list.appendChild(opt);
            });
          }).catch(function () {});
      }, 200);
    });
  }

  // "Near me": the browser's position fills lat/lon and submits (the server validates them).
  var near = document.getElementById("near-me");
  if (near && navigator.geolocation && input) {
    near.hidden = false;
    near.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("id_lat").value = pos.coords.latitude.toFixed(5);
        document.getElementById("id_lon").value = pos.coords.longitude.toFixed(5);
        input.value = "";
        input.form.submit();
      }, function () { near.disabled = true; }, { timeout: 10000, maximumAge: 600000 });
    });
  }
  if (input) {
    input.addEventListener("change", function () {
      var lat = document.getElementById("id_lat");
      var lon = document.getElementById("id_lon");
      if (lat && lon) { lat.value = ""; lon.value = ""; }
    });
  }
})();
