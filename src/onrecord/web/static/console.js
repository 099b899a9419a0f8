// The console's only script of its own: make tables that htmx swaps in sortable too.
document.addEventListener("htmx:afterSwap", function (e) { onrecordSortable(e.detail.target); });
