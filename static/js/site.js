/* The site's behaviour, loaded on every page (no inline script: the Content-Security-Policy
   forbids it). htmx does not swap 4xx answers by default; a form marked data-swap-errors
   gets its refusal (400, 403, 409, 422: a fragment carrying the message) swapped in place. */
(function () {
  "use strict";
  var SWAPPED = { 400: true, 403: true, 409: true, 422: true };
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var element = detail.requestConfig && detail.requestConfig.elt;
    if (!detail.xhr || !SWAPPED[detail.xhr.status] || !element || !element.closest) {
      return;
    }
    if (element.closest("[data-swap-errors]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
})();

/* Buttons marked data-print print the page; hidden until this script runs. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
