// The training film: one <section class="frame"> per recorded step; the slider, the
// buttons, the arrow keys and Play choose which one is shown.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("mg-data").textContent);
  const frames = Array.from(document.querySelectorAll("#film section.frame"));
  const slider = document.getElementById("frame");
  const stepLabel = document.getElementById("step");
  const prev = document.getElementById("prev");
  const next = document.getElementById("next");
  const play = document.getElementById("play");
  const n = frames.length - 1;
  let current = 0;
  let timer = null;

  function show(k) {
    k = Math.max(0, Math.min(n, k));
    frames[current].hidden = true;
    frames[k].hidden = false;
    current = k;
    slider.value = String(k);
    stepLabel.textContent = k + 1 + " / " + (n + 1) + " · training step " + data.steps[k];
    prev.disabled = k === 0;
    next.disabled = k === n;
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    play.textContent = "▶ Play";
  }

  play.addEventListener("click", () => {
    if (timer !== null) return stop();
    if (current === n) show(0);
    play.textContent = "❚❚ Pause";
    timer = setInterval(() => (current === n ? stop() : show(current + 1)), 700);
  });
  prev.addEventListener("click", () => (stop(), show(current - 1)));
  next.addEventListener("click", () => (stop(), show(current + 1)));
  slider.addEventListener("input", () => (stop(), show(Number(slider.value))));
  document.addEventListener("keydown", (event) => {
    if (event.target === slider) return; // the slider moves itself with the arrow keys
    const go = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: n }[event.key];
    if (go === undefined || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    stop();
    show(go);
  });
  show(0);
})();
