// The meeting form: formset rows added from <template>, the person autocomplete,
// and htmx fragments answered with 400 that carry their own target (the inline
// "add a person" form with its errors). No inline script: the CSP allows none.
(function () {
  "use strict";

  function addRow(name) {
    var total = document.getElementById("id_" + name + "-TOTAL_FORMS");
    var template = document.getElementById(name + "-template");
    var rows = document.getElementById(name + "-rows");
    if (!total || !template || !rows) return;
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("ul");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    if (!row) return;
    rows.appendChild(row);
    total.value = String(index + 1);
    if (window.htmx) window.htmx.process(row);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.add-row");
    if (button) {
      event.preventDefault();
      addRow(button.getAttribute("data-formset"));
    }
  });

  // Typing a name again forgets the person picked before: what is typed is then kept as
  // the name recorded, unless another person is picked.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("person-search")) return;
    var row = input.closest(".participant-row");
    if (!row) return;
    row.querySelectorAll('input[type=hidden][name$="-person"], input[type=hidden][name$="-post"]')
      .forEach(function (hidden) { hidden.value = ""; });
    var picked = row.querySelector(".picked");
    if (picked) picked.remove();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("autocomplete-results")) {
      var input = target.parentElement && target.parentElement.querySelector(".person-search");
      if (input) input.setAttribute("aria-expanded", target.querySelector("button") ? "true" : "false");
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 400 && xhr.getResponseHeader("HX-Retarget")) {
      var target = document.querySelector(xhr.getResponseHeader("HX-Retarget"));
      if (target) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
        event.detail.target = target;
      }
    }
  });

  // Escape closes the list of people.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var results = event.target.closest && event.target.closest(".autocomplete");
    if (!results) return;
    var list = results.querySelector(".autocomplete-results");
    if (list) list.innerHTML = "";
  });
})();
