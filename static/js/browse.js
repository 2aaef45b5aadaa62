// Meetings list: after htmx replaces the results, move focus to their heading so that
// keyboard and screen-reader users land on the new results (the status line announces the
// count). Without JavaScript the form submits and the page reloads as usual.
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail && event.detail.target;
  if (!target || !target.id) return;
  if (target.id !== "meeting-results" && target.id !== "timeline") return;
  var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
  // Typing in the search box must keep the focus in the box.
  if (trigger && trigger.tagName === "FORM") return;
  var heading = document.querySelector("#" + target.id + " h2");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
});
