// Sort a table.sortable by a click on a column header (numbers numerically, text in French
// order); the table stays readable without JavaScript.
(function () {
  function value(cell) {
    var text = cell.textContent.trim();
    var number = text.replace(/[\s\u202f\u00a0]/g, "").replace(",", ".").replace(/[^\d.\-]/g, "");
    return number !== "" && !isNaN(number) && /^\s*[\d\-]/.test(text) ? parseFloat(number) : text;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("thead th").forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        Array.from(body.rows).sort(function (a, b) {
          var x = value(a.cells[index]), y = value(b.cells[index]);
          var order = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y), "fr");
          return ascending ? order : -order;
        }).forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
