// Click (or Enter on) a column heading of a sortable table to sort by it; again to reverse.
// Cells carry their sort value in data-sort, so "12,345", "<5" and "—" sort as numbers.
// onrecordSortable(root) sets up the tables under root: the web console calls it again for
// tables it swaps into a page.
function onrecordSortable(root) {
  root.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = Array.prototype.slice.call(table.tHead.rows[table.tHead.rows.length - 1].cells);
    heads.forEach(function (th, col) {
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      function sort() {
        var up = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
          var nx = Number(x), ny = Number(y);
          var d = isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny;
          return up ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
    });
  });
}
onrecordSortable(document);
