// The national compliance report's filters and sorting: inlined into index.html (no external asset).
// The filters are kept in the address (#region=...&level=...&drift=...), so a filtered view can be
// linked to and opened as it was.
(function () {
  "use strict";
  var names = ["region", "level", "drift"];
  var selects = {};
  names.forEach(function (name) { selects[name] = document.getElementById("filter-" + name); });

  function shows(element) {
    var region = selects.region.value, level = selects.level.value, drift = selects.drift.value;
    if (region && element.dataset.region !== region) { return false; }
    if (level && element.dataset.levels.split(" ").indexOf(level) < 0) { return false; }
    var deviations = Number(element.dataset.drift);
    if (drift === "with" && deviations === 0) { return false; }
    if (drift === "without" && deviations > 0) { return false; }
    return true;
  }

  function apply() {
    var shown = 0;
    document.querySelectorAll("[data-province]").forEach(function (element) {
      element.hidden = !shows(element);
      if (!element.hidden && element.tagName === "TR") { shown += 1; }
    });
    document.getElementById("shown").textContent = String(shown);
    // A host's heading goes with its provinces: hidden when the filters leave none of them.
    document.querySelectorAll("[data-host-group]").forEach(function (group) {
      group.hidden = group.querySelector("section[data-province]:not([hidden])") === null;
    });
    var state = new URLSearchParams();
    names.forEach(function (name) { if (selects[name].value) { state.set(name, selects[name].value); } });
    if (sorted.key) { state.set("sort", sorted.key); }
    if (sorted.key && sorted.descending) { state.set("order", "desc"); }
    try {
      history.replaceState(null, "", state.toString() ? "#" + state.toString() : location.pathname);
    } catch (error) { /* a browser that refuses it for a file: the filters still work */ }
  }

  var wanted = new URLSearchParams(location.hash.slice(1));
  names.forEach(function (name) {
    if (wanted.has(name)) { selects[name].value = wanted.get(name); }
    selects[name].addEventListener("change", apply);
  });

  // Sorting: a click on a column's header sorts by it, a second click the other way; kept in the
  // address as sort=<column>&order=desc.
  var table = document.getElementById("provinces");
  var sorted = { key: "", descending: false };

  function sortBy(key, descending) {
    var headers = Array.prototype.slice.call(table.querySelectorAll("th"));
    var column = headers.findIndex(function (header) { return header.dataset.key === key; });
    if (column < 0) { return; }
    headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
    headers[column].setAttribute("aria-sort", descending ? "descending" : "ascending");
    var numeric = headers[column].classList.contains("number");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.sort, y = b.cells[column].dataset.sort;
      var order = numeric ? Number(x) - Number(y) : x.localeCompare(y, "vi");
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    sorted = { key: key, descending: descending };
  }

  table.querySelectorAll("th").forEach(function (header) {
    header.addEventListener("click", function () {
      var key = header.dataset.key;
      sortBy(key, sorted.key === key && !sorted.descending);
      apply();
    });
  });
  if (wanted.has("sort")) { sortBy(wanted.get("sort"), wanted.get("order") === "desc"); }
  apply();
})();
