// The ART book's placement explorer (artlib.explorer): plain JavaScript, no server, nothing fetched.
// Every score shown is one computed when the book was built; the viewer only looks them up.
function artExplorer(id) {
  "use strict";
  const root = document.getElementById(id);
  const data = JSON.parse(document.getElementById(id + "-data").textContent);
  const SIDE = 320, CELL = 12, HEAT = 192;
  const state = {scene: 0, verifier: Object.keys(data.labels)[0], cell: null, place: null, timer: null, path: 0};

  const el = (tag, attrs, parent, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  };
  const css = el("style", {}, root);
  css.textContent = `
    #${id} {display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; margin: 1em 0;}
    #${id} .art-x-stage {position: relative; overflow: hidden; touch-action: none; cursor: crosshair;
      border: 1px solid #888;}
    #${id} .art-x-stage img {position: absolute; image-rendering: pixelated; user-select: none;
      -webkit-user-drag: none; pointer-events: none;}
    #${id} .art-x-panel {display: flex; flex-direction: column; gap: 0.5em; min-width: 16em; max-width: 24em;}
    #${id} .art-x-readout {font-family: monospace; font-size: 0.95em; line-height: 1.5;}
    #${id} .art-x-heat {border: 1px solid #888; cursor: crosshair; align-self: flex-start; touch-action: none;}
    #${id} label {font-size: 0.9em;}
    #${id} select {max-width: 100%;}`;

  const stage = el("div", {class: "art-x-stage"}, root);
  const bg = el("img", {class: "art-x-background", alt: "background", draggable: "false"}, stage);
  const person = el("img", {class: "art-x-person", alt: "person", draggable: "false"}, stage);
  const panel = el("div", {class: "art-x-panel"}, root);
  const sceneLabel = el("label", {}, panel, "scene ");
  const sceneSel = el("select", {class: "art-x-scene"}, sceneLabel);
  data.scenes.forEach((s, i) => el("option", {value: String(i)}, sceneSel, s.title));
  const verLabel = el("label", {}, panel, "verifier ");
  const verSel = el("select", {class: "art-x-verifier"}, verLabel);
  for (const [k, v] of Object.entries(data.labels)) el("option", {value: k}, verSel, v);
  const scaleLabel = el("label", {}, panel, "height ");
  const scale = el("input", {type: "range", class: "art-x-scale", min: "0", step: "1"}, scaleLabel);
  const scaleText = el("span", {class: "art-x-scale-text"}, scaleLabel);
  const replay = el("button", {type: "button", class: "art-x-replay"}, panel, "Replay ascent");
  const readout = el("div", {class: "art-x-readout", "aria-live": "polite"}, panel);
  const heat = el("canvas", {class: "art-x-heat", title: "spatial score over feet positions at this height"}, panel);
  el("div", {class: "art-x-legend"}, panel,
     "Heat map: the spatial score over feet positions at this height (dark low, yellow high); " +
     "white dots: cells the oracle calls plausible; red square: where the feet are. " +
     "During a replay the heat map shows the grid height nearest the person's.");

  const sc = () => data.scenes[state.scene];
  const dims = () => [sc().grid[0], sc().grid[1], sc().grid[2]];
  const index = (ix, iy, is) => (ix * dims()[1] + iy) * dims()[2] + is;
  const unindex = (i) => {
    const [, ny, ns] = dims();
    return [Math.floor(i / (ny * ns)), Math.floor(i / ns) % ny, i % ns];
  };
  const stageH = () => SIDE * sc().height / sc().width;

  function nearest(x, y, is) {  // the feasible cell of height `is` whose feet are nearest (x, y)
    const [nx, ny] = dims();
    let best = null, where = Infinity;
    for (let ix = 0; ix < nx; ix++) for (let iy = 0; iy < ny; iy++) {
      const i = index(ix, iy, is), d = (sc().xs[ix] - x) ** 2 + (sc().ys[iy] - y) ** 2;
      if (sc().feasible[i] && d < where) { best = i; where = d; }
    }
    return best;
  }

  function drawPerson(x, y, s) {
    const w = s * sc().aspect, H = stageH();
    Object.assign(person.style, {left: ((x - w / 2) * SIDE) + "px", top: ((y - s) * H) + "px",
                                 width: (w * SIDE) + "px", height: (s * H) + "px"});
    person.dataset.x = x; person.dataset.y = y; person.dataset.scale = s;
  }

  const fmt = (v) => (v === null || v === undefined) ? "n/a" : v.toFixed(3);
  function verdict(p) {
    if (p === null || p === undefined) return "no oracle (a real photo)";
    return p ? "plausible \u2713" : "implausible \u2717";
  }
  function fits() {
    const f = sc().fits;
    return f === null || f === undefined ? "" : (f ? "; the outfit fits the place" : "; the outfit does not fit the place");
  }
  function show(where, spatial, content, plausible) {
    readout.innerHTML = "";
    el("div", {class: "art-x-where"}, readout, where);
    el("div", {}, readout, "spatial ").appendChild(el("span", {class: "art-x-spatial"}, null, fmt(spatial)));
    el("div", {}, readout, "content ").appendChild(el("span", {class: "art-x-content"}, null, fmt(content)));
    el("div", {}, readout, "oracle: ").appendChild(el("span", {class: "art-x-verdict"}, null, verdict(plausible) + fits()));
  }

  const RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  function colour(v) {
    const t = Math.min(Math.max(v, 0), 1) * (RAMP.length - 1), k = Math.min(Math.floor(t), RAMP.length - 2), f = t - k;
    return "rgb(" + RAMP[k].map((c, j) => Math.round(c + f * (RAMP[k + 1][j] - c))).join(",") + ")";
  }
  function drawHeat() {
    const [nx, ny] = dims(), is = Number(scale.value), scores = sc().verifiers[state.verifier].spatial;
    heat.width = nx * CELL; heat.height = ny * CELL;
    Object.assign(heat.style, {width: HEAT + "px", height: (HEAT * ny / nx) + "px"});
    const g = heat.getContext("2d");
    for (let ix = 0; ix < nx; ix++) for (let iy = 0; iy < ny; iy++) {
      const i = index(ix, iy, is);
      g.fillStyle = sc().feasible[i] ? colour(scores[i]) : "#bbb";
      g.fillRect(ix * CELL, iy * CELL, CELL, CELL);
      if (sc().plausible && sc().plausible[i]) {
        g.fillStyle = "#fff";
        g.fillRect(ix * CELL + CELL / 2 - 1.5, iy * CELL + CELL / 2 - 1.5, 3, 3);
      }
    }
    const fx = Number(person.dataset.x) * nx * CELL, fy = Number(person.dataset.y) * ny * CELL;
    g.strokeStyle = "#e00"; g.lineWidth = 2;
    g.strokeRect(fx - CELL / 2 + 1, fy - CELL / 2 + 1, CELL - 2, CELL - 2);
  }

  function setCell(i) {
    if (i === null) return;
    state.cell = i; state.place = null;
    const [ix, iy, is] = unindex(i), v = sc().verifiers[state.verifier];
    scale.value = String(is);
    scaleText.textContent = " " + sc().scales[is].toFixed(3);
    drawPerson(sc().xs[ix], sc().ys[iy], sc().scales[is]);
    root.dataset.cell = String(i);
    show(`feet x ${sc().xs[ix].toFixed(3)}, y ${sc().ys[iy].toFixed(3)}, height ${sc().scales[is].toFixed(3)}`,
         v.spatial[i], v.content[i], sc().plausible ? sc().plausible[i] : null);
    drawHeat();
  }

  function stop() {
    if (state.timer !== null) { clearInterval(state.timer); state.timer = null; }
    root.dataset.playing = "0";
  }

  function loadScene(k) {
    stop();
    state.scene = k;
    bg.src = sc().background; person.src = sc().sprite;
    Object.assign(stage.style, {width: SIDE + "px", height: stageH() + "px"});
    Object.assign(bg.style, {left: "0px", top: "0px", width: SIDE + "px", height: stageH() + "px"});
    scale.max = String(dims()[2] - 1);
    const is = Math.floor(dims()[2] / 2);
    setCell(nearest(0.5, 0.9, is) ?? nearest(0.5, 1, 0));
  }

  function fromPointer(ev, box) {  // the pointer in canvas units (the heat map spans the canvas too)
    const r = box.getBoundingClientRect();
    return [(ev.clientX - r.left) / r.width, (ev.clientY - r.top) / r.height];
  }
  let dragging = false;
  const moveTo = (ev, box) => {
    const [x, y] = fromPointer(ev, box);
    stop();
    setCell(nearest(x, y, Number(scale.value)));
  };
  for (const box of [stage, heat]) {
    box.addEventListener("pointerdown", (ev) => { dragging = true; box.setPointerCapture(ev.pointerId); moveTo(ev, box); });
    box.addEventListener("pointermove", (ev) => { if (dragging) moveTo(ev, box); });
    box.addEventListener("pointerup", () => { dragging = false; });
  }
  scale.addEventListener("input", () => {
    stop();
    const [ix, iy] = unindex(state.cell ?? 0);
    setCell(nearest(sc().xs[ix], sc().ys[iy], Number(scale.value)));
  });
  sceneSel.addEventListener("change", () => loadScene(Number(sceneSel.value)));
  verSel.addEventListener("change", () => { state.verifier = verSel.value; if (state.cell !== null) setCell(state.cell); });

  replay.addEventListener("click", () => {
    stop();
    const paths = sc().verifiers[state.verifier].paths;
    if (!paths.length) return;
    const p = paths[state.path % paths.length];
    state.path += 1;
    let t = 0;
    root.dataset.playing = "1";
    const frame = () => {
      const [x, y, s] = p.placements[t];
      state.place = [x, y, s];
      drawPerson(x, y, s);
      const near = sc().scales.reduce((b, v, k) => Math.abs(Math.log(v / s)) < Math.abs(Math.log(sc().scales[b] / s)) ? k : b, 0);
      scale.value = String(near);
      scaleText.textContent = " " + s.toFixed(3);
      show(`ascent step ${t} of ${p.placements.length - 1}: feet x ${x.toFixed(3)}, y ${y.toFixed(3)}, ` +
           `height ${s.toFixed(3)}`, p.spatial[t], p.content[t], p.plausible ? p.plausible[t] : null);
      drawHeat();
      t += 1;
      if (t >= p.placements.length) stop();
    };
    frame();
    if (t < p.placements.length) state.timer = setInterval(frame, 250);
  });

  loadScene(0);
  root.dataset.ready = "1";
}
