// The staff console: while a training runs, its step is fetched every few seconds and the page reloads at the end.
(function () {
  "use strict";
  var running = document.querySelector("[data-training-running]");
  if (!running) { return; }
  var label = running.querySelector("label");
  var bar = running.querySelector("progress");
  function poll() {
    fetch("/console/entrainement/etat", {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (!state.running) { window.location.reload(); return; }
        label.textContent = "Étape " + state.step + " sur " + state.steps + " : " + state.stage;
        bar.value = state.step - 1;
        window.setTimeout(poll, 3000);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 3000);
}());
