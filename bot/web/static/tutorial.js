// One tutorial, step by step: "Étape précédente" / "Étape suivante" highlight one step at a time, and
// "Écouter" reads the steps aloud. Progressive enhancement: without this script every step is
// simply listed; the buttons exist only when it runs, "Écouter" only where the browser can speak.
(function () {
  "use strict";

  const list = document.querySelector("ol.steps");
  if (!list) {
    return;
  }
  const steps = Array.from(list.children);
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  const speech = window.speechSynthesis;
  const tools = document.createElement("div");
  const status = document.createElement("p");
  let current = -1;
  let lastUtterance = null; // while reading aloud, the last step's utterance

  function addButton(text, onClick) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = text;
    button.addEventListener("click", onClick);
    tools.append(button);
    return button;
  }

  // Highlight step `index`, bring it into view and, when asked, move the focus to it.
  function show(index, moveFocus) {
    current = Math.max(0, Math.min(steps.length - 1, index));
    steps.forEach(function (step, position) {
      step.classList.toggle("current", position === current);
      if (position === current) {
        step.setAttribute("aria-current", "step");
      } else {
        step.removeAttribute("aria-current");
      }
    });
    const step = steps[current];
    step.scrollIntoView({ block: "center", behavior: reducedMotion.matches ? "auto" : "smooth" });
    if (moveFocus) {
      step.focus({ preventScroll: true });
    }
    status.textContent = "Étape " + (current + 1) + " sur " + steps.length;
    previous.disabled = current === 0;
    next.disabled = current === steps.length - 1;
  }

  function stopReading() {
    lastUtterance = null;
    speech.cancel();
    listen.textContent = "Écouter";
  }

  // Read from the current step (the first one at the start) to the last, highlighting each in turn.
  function read() {
    if (lastUtterance) {
      stopReading();
      return;
    }
    speech.cancel();
    listen.textContent = "Arrêter";
    const first = Math.max(current, 0);
    steps.slice(first).forEach(function (step, offset) {
      const utterance = new SpeechSynthesisUtterance("Étape " + (first + offset + 1) + ". " + step.textContent);
      utterance.lang = "fr-FR";
      utterance.addEventListener("start", function () {
        show(first + offset, false);
      });
      utterance.addEventListener("end", function () {
        if (utterance === lastUtterance) {
          stopReading();
        }
      });
      lastUtterance = utterance;
      speech.speak(utterance);
    });
  }

  tools.className = "step-tools";
  tools.setAttribute("role", "group");
  tools.setAttribute("aria-label", "Suivre les étapes une par une");
  const listen = speech ? addButton("Écouter", read) : null;
  const previous = addButton("Étape précédente", function () {
    show(current - 1, true);
  });
  const next = addButton("Étape suivante", function () {
    show(current + 1, true);
  });
  previous.disabled = true;
  status.setAttribute("role", "status");
  tools.append(status);
  steps.forEach(function (step) {
    step.tabIndex = -1;
  });
  list.after(tools);
  if (speech) {
    window.addEventListener("pagehide", function () {
      speech.cancel();
    });
  }
})();
