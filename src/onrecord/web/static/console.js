// The console's only script of its own: make tables that htmx swaps in sortable too.
document.addEventListener("htmx:afterSwap", function (e) { onrecordSortable(e.detail.target); });
// The kiosk: after an answer, clear the form and put the cursor back for the next officer.
document.addEventListener("htmx:afterRequest", function (e) {
  var form = e.detail.elt;
  if (form.classList && form.classList.contains("kiosk-form")) {
    form.reset();
    form.querySelector("input:not([type=hidden])").focus();
  }
});
