// Interactive map over the static SVG one (progressive enhancement): without JavaScript, without
// Leaflet or when printing, the SVG map stays. Data: the run's JSON (json_script), tiles from the
// MAP_TILE_URL setting (no tiles when it is empty).
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("territory-leaflet");
    var source = document.getElementById("territory-map-data");
    if (!box || !source || !window.L) return;
    var data = JSON.parse(source.textContent);
    var points = data.communes.concat(data.places, data.new_places);
    if (!points.length) return;
    box.hidden = false;
    box.closest("figure").classList.add("has-leaflet");
    var map = L.map(box);
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, {maxZoom: 18, attribution: box.dataset.attribution}).addTo(map);
    }
    function colour(minutes) {
      if (minutes === null) return "#999999";
      for (var i = 0; i < data.buckets.length; i++) {
        if (data.buckets[i][0] === null || minutes <= data.buckets[i][0] + 1e-7) return data.buckets[i][1];
      }
      return "#d73027";
    }
    var biggest = Math.max.apply(null, data.communes.map(function (c) { return c.population; }).concat([1]));
    data.communes.forEach(function (c) {
      L.circleMarker([c.lat, c.lon], {
        radius: 2 + 8 * Math.sqrt(c.population / biggest), color: "#333", weight: 0.5,
        fillColor: colour(c.minutes), fillOpacity: 0.8
      }).bindTooltip(c.name + " (" + c.population + ") : " +
                     (c.minutes === null ? data.labels.none : c.minutes + " min")).addTo(map);
    });
    data.places.forEach(function (p) {
      L.circleMarker([p.lat, p.lon], {radius: 7, color: "#fff", weight: 2, fillColor: "#222",
                                      fillOpacity: 1}).bindTooltip(p.name).addTo(map);
    });
    data.new_places.forEach(function (p) {
      L.circleMarker([p.lat, p.lon], {radius: 9, color: "#fff", weight: 2, fillColor: "#2166ac",
                                      fillOpacity: 1}).bindTooltip(data.labels.proposed + p.name).addTo(map);
    });
    map.fitBounds(points.map(function (p) { return [p.lat, p.lon]; }), {padding: [20, 20]});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
