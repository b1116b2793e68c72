// The step-through page: shows the steps microgradrelu.pages.backward_steps computed.
// No arithmetic happens here: every gradient shown (and every data-grad, Python's repr of
// the float) comes from the page's JSON, so what the page shows is what the engine computes.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("mg-data").textContent);
  const svg = document.querySelector("#graph svg");
  const scroller = document.getElementById("graph");
  const stepLabel = document.getElementById("step");
  const explain = document.getElementById("explain");
  const prev = document.getElementById("prev");
  const next = document.getElementById("next");
  const n = data.steps.length - 1; // record 0 is the start

  // draw_graph's names: Value i is node "v<i>", its op "op<i>", edges "v<j>->op<i>" and "op<i>->v<i>"
  const values = [], ops = [], inEdges = [], outEdge = [];
  for (const g of svg.querySelectorAll("g.node, g.edge")) {
    const title = g.querySelector(":scope > title");
    if (!title) continue;
    const name = title.textContent.trim();
    let m;
    if ((m = /^v(\d+)$/.exec(name))) values[+m[1]] = g;
    else if ((m = /^op(\d+)$/.exec(name))) ops[+m[1]] = g;
    else if ((m = /^v(\d+)->op(\d+)$/.exec(name))) (inEdges[+m[2]] = inEdges[+m[2]] || []).push(g);
    else if ((m = /^op(\d+)->v(\d+)$/.exec(name))) outEdge[+m[1]] = g;
  }
  const gradText = values.map((g) => {
    g.classList.add("mg-value");
    return Array.from(g.querySelectorAll("text")).find((t) => t.textContent.startsWith("grad "));
  });

  function fit(t, g, content) {
    // the box was sized for the final gradient: squeeze a wider number met on the way into it
    t.textContent = content;
    t.removeAttribute("textLength");
    t.removeAttribute("lengthAdjust");
    const shape = g.querySelector("path, polygon");
    const room = shape ? shape.getBBox().width - 6 : Infinity;
    if (t.getComputedTextLength() > room) {
      t.setAttribute("textLength", room);
      t.setAttribute("lengthAdjust", "spacingAndGlyphs");
    }
  }

  function grads(k) {
    const now = data.start.map((pair) => pair.slice());
    for (let s = 0; s < k; s++) for (const [j, r, shown] of data.sets[s]) now[j] = [r, shown];
    return now;
  }

  const marks = ["mg-current", "mg-receiving", "mg-flow", "mg-stop", "mg-blocked", "mg-pointed"];
  function clearMarks() {
    for (const mark of marks) for (const el of svg.querySelectorAll("." + mark)) el.classList.remove(mark);
    for (const el of svg.querySelectorAll("text.mg-badge")) el.remove();
  }

  function badge(i, input) {
    // the v<i> name beside a box without a label of its own, so the text's names can be found
    const g = values[i];
    if (!g || !data.badges[i]) return;
    const box = g.getBBox();
    const t = document.createElementNS(svg.namespaceURI, "text");
    t.setAttribute("x", box.x + box.width / 2);
    t.setAttribute("y", box.y - 3);
    t.setAttribute("text-anchor", "middle");
    t.setAttribute("class", input ? "mg-badge mg-input" : "mg-badge");
    t.textContent = data.badges[i];
    g.appendChild(t);
  }

  function reveal(el) {
    // scroll the picture (not the page around it) so the processed node is in view
    if (!el) return;
    const a = el.getBoundingClientRect(), b = scroller.getBoundingClientRect();
    if (a.left < b.left || a.right > b.right) scroller.scrollLeft += a.left - b.left - (b.width - a.width) / 2;
    if (a.top < b.top || a.bottom > b.bottom) scroller.scrollTop += a.top - b.top - (b.height - a.height) / 2;
  }

  function text(tag, cls, content) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    if (content !== undefined) el.textContent = content;
    return el;
  }

  function show(k) {
    k = Math.max(0, Math.min(n, k));
    current = k;
    const now = grads(k);
    values.forEach((g, i) => {
      if (!g) return;
      g.setAttribute("data-grad", now[i][0]);
      g.classList.toggle("zero-grad", parseFloat(now[i][0]) === 0);
      if (gradText[i]) fit(gradText[i], g, "grad " + now[i][1]);
    });
    clearMarks();
    const rec = data.steps[k];
    const i = rec.node;
    const rows = rec.rows || [];
    if (i >= 0) {
      const mark = rec.kind === "blocked" ? "mg-blocked" : "mg-current";
      const processed = rec.kind === "start" ? [values[i]] : [values[i], ops[i], outEdge[i]];
      for (const el of processed) if (el) el.classList.add(mark);
      if (rec.kind !== "start") {
        for (const e of inEdges[i] || []) e.classList.add(rec.kind === "pass" ? "mg-flow" : "mg-stop");
      }
      badge(i, false);
    }
    for (const [j] of rows) {
      if (values[j] && rec.kind !== "zero") values[j].classList.add("mg-receiving");
      badge(j, true);
    }
    stepLabel.textContent = k + " / " + n;
    prev.disabled = k === 0;
    next.disabled = k === n;
    explain.replaceChildren();
    const box = text("div", "kind-" + rec.kind);
    box.append(text("div", "head", rec.head), text("div", "note", rec.note));
    if (rows.length) {
      const table = text("table");
      for (const [j, formula, becomes] of rows) {
        const tr = text("tr");
        tr.append(text("td", "", formula), text("td", "", becomes));
        tr.addEventListener("mouseenter", () => values[j] && values[j].classList.add("mg-pointed"));
        tr.addEventListener("mouseleave", () => values[j] && values[j].classList.remove("mg-pointed"));
        table.append(tr);
      }
      box.append(table);
    }
    explain.append(box);
    reveal(i >= 0 ? values[i] : null);
  }

  let current = 0;
  prev.addEventListener("click", () => show(current - 1));
  next.addEventListener("click", () => show(current + 1));
  document.addEventListener("keydown", (event) => {
    const go = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: n }[event.key];
    if (go === undefined || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    show(go);
  });
  show(0);
  // inside a notebook's iframe the layout may only settle at load: bring the node into view again
  window.addEventListener("load", () => reveal(values[data.steps[current].node]));
})();
