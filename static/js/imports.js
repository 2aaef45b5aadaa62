// Import pages: a form that uploads or imports says so and cannot be sent twice.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var button = form.querySelector("button[data-busy-label]");
    if (!button) return;
    if (form.dataset.submitted === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "true";
    // Disabled after the submission has started, so the button's value is still sent.
    window.setTimeout(function () {
      button.dataset.idleLabel = button.textContent;
      button.disabled = true;
      button.textContent = button.dataset.busyLabel;
    }, 0);
  });
  // Back from the browser cache: the form may be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      delete form.dataset.submitted;
      var button = form.querySelector("button[data-busy-label]");
      if (!button) return;
      button.disabled = false;
      if (button.dataset.idleLabel) button.textContent = button.dataset.idleLabel;
    });
  });
})();
