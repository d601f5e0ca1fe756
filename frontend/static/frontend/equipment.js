// The equipment page: each display's series drawn on its canvas from /api/displays/<id>/series/
// (buckets with their min-max band for long ranges), and, where the machine has several, all of
// them on one time axis; clicking a point opens the photo behind it. Alerts for the machine's station arrive over ws/stations/<id>/ and show in the banner (one
// on this machine brings its ticket into the table); each reading of a display arrives there
// too, and redraws the display's chart and where it stands. A socket that drops is opened again,
// and the page then reads everything the push would have brought while it was away.
(() => {
  const root = document.getElementById("equipment");
  if (!root) return;
  const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

  const COLOURS = ["#2980b9", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085"];

  // A display's series over the range chosen in `select`: points, or buckets with their band.
  async function series(display, select) {
    const hours = select.value;
    const params = new URLSearchParams({ max_points: "400" });
    if (hours) params.set("start", new Date(Date.now() - hours * 3600e3).toISOString());
    const answer = await fetch(`/api/displays/${display}/series/?${params}`, {
      headers: { Accept: "application/json" },
    });
    if (!answer.ok) return null;
    const data = await answer.json();
    data.points = data.points.map((p) => ({ ...p, time: Date.parse(p.t) }));
    return data;
  }

  // Draws lines on a canvas with one time axis and one value axis. Each layer: its points (each
  // with the value drawn, `y`, and its band's `low` and `high` when bucketed), a colour, whether
  // to draw the band. `axis`: the value axis's ends, how its labels read, and dashed limit lines.
  // Gives each point drawn with its place on the canvas, for clicks.
  function plot(canvas, layers, axis) {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const all = layers.flatMap((l) => l.points);
    if (!all.length) return [];
    let { lo, hi } = axis;
    if (hi === lo) { hi += 1; lo -= 1; }
    const t0 = Math.min(...all.map((p) => p.time));
    const t1 = Math.max(...all.map((p) => p.time), t0 + 1);
    const w = canvas.width - PAD.left - PAD.right;
    const h = canvas.height - PAD.top - PAD.bottom;
    const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * w;
    const y = (v) => PAD.top + (1 - (v - lo) / (hi - lo)) * h;
    ctx.strokeStyle = "#999";
    ctx.fillStyle = "#444";
    ctx.font = "11px sans-serif";
    for (const v of [lo, (lo + hi) / 2, hi]) {
      ctx.fillText(axis.label(v), 4, y(v) + 4);
      ctx.beginPath(); ctx.moveTo(PAD.left, y(v)); ctx.lineTo(PAD.left + w, y(v)); ctx.stroke();
    }
    ctx.fillText(new Date(t0).toLocaleString(), PAD.left, canvas.height - 8);
    const end = new Date(t1).toLocaleString();
    ctx.fillText(end, PAD.left + w - ctx.measureText(end).width, canvas.height - 8);
    ctx.strokeStyle = "#c0392b";
    ctx.setLineDash([4, 4]);
    for (const v of axis.limits) {
      ctx.beginPath(); ctx.moveTo(PAD.left, y(v)); ctx.lineTo(PAD.left + w, y(v)); ctx.stroke();
    }
    ctx.setLineDash([]);
    const drawn = [];
    for (const layer of layers) {
      if (layer.band) {
        ctx.globalAlpha = 0.2;
        ctx.fillStyle = layer.colour;
        for (const p of layer.points) ctx.fillRect(x(p.time) - 1, y(p.high), 3, Math.max(1, y(p.low) - y(p.high)));
        ctx.globalAlpha = 1;
      }
      ctx.strokeStyle = layer.colour;
      ctx.fillStyle = layer.colour;
      ctx.beginPath();
      layer.points.forEach((p, i) => (i ? ctx.lineTo(x(p.time), y(p.y)) : ctx.moveTo(x(p.time), y(p.y))));
      ctx.stroke();
      for (const p of layer.points) {
        ctx.beginPath(); ctx.arc(x(p.time), y(p.y), 2.5, 0, 2 * Math.PI); ctx.fill();
        drawn.push({ px: x(p.time), py: y(p.y), point: p.point, unit: layer.unit, display: layer.display });
      }
    }
    return drawn;
  }

  // The value axis around `values`, stretched to the limits near them (a display's range, its
  // rules' limits), which are not drawn when far off, so they don't flatten the line.
  function around(values, limits) {
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    const span = Math.max(hi - lo, 1);
    const near = limits.filter((v) => v >= lo - 2 * span && v <= hi + 2 * span);
    return { lo: Math.min(lo, ...near), hi: Math.max(hi, ...near), limits: near };
  }

  const numbers = (...values) => values.filter((v) => v !== undefined && v !== "").map(Number);

  async function load(article) {
    const data = await series(article.dataset.display, article.querySelector(".range"));
    if (!data) return;
    const info = article.querySelector(".point-info");
    if (!data.points.length) {
      plot(article.querySelector(".chart"), [], {});
      article.points = [];
      info.textContent = "No accepted readings in this range.";
      return;
    }
    info.textContent = `${data.count} readings${data.bucket ? ", one point per " + data.bucket : ""}. Click a point to open the photo behind it.`;
    const d = article.dataset;
    const points = data.points.map((p) => ({ time: p.time, y: p.value, low: p.min, high: p.max, point: p }));
    const axis = around(points.flatMap((p) => [p.low ?? p.y, p.high ?? p.y]), numbers(d.low, d.high, ...d.limits.split(",")));
    axis.label = (v) => v.toFixed(1);
    const layer = { points, colour: COLOURS[0], band: Boolean(data.bucket), unit: d.unit, display: Number(d.display) };
    article.points = plot(article.querySelector(".chart"), [layer], axis);
  }

  // Every display of the machine on one time axis: in their unit when they share one, else
  // each as a percentage of its range (its registered range, or its data's where none is set).
  async function compare(article) {
    if (!article) return;
    const displays = [...root.querySelectorAll("article.display")];
    const answers = await Promise.all(displays.map((d) => series(d.dataset.display, article.querySelector(".range"))));
    const shared = article.dataset.unit !== undefined;
    const layers = [];
    displays.forEach((display, i) => {
      const data = answers[i];
      const colour = COLOURS[i % COLOURS.length];
      const key = article.querySelector(`li[data-display="${display.dataset.display}"]`);
      key.querySelector(".swatch").style.background = colour;
      key.querySelector(".span").textContent = "";
      if (!data || !data.points.length) { key.querySelector(".span").textContent = " (no readings in this range)"; return; }
      const unit = display.dataset.unit ? ` ${display.dataset.unit}` : "";
      let [lo, hi] = [display.dataset.low, display.dataset.high].map((v) => (v === undefined ? undefined : Number(v)));
      if (shared || lo === undefined || hi === undefined || hi <= lo) {
        lo = Math.min(...data.points.map((p) => p.value));
        hi = Math.max(...data.points.map((p) => p.value));
        if (!shared) key.querySelector(".span").textContent = ` (0–100 %: ${lo}–${hi}${unit} in this range)`;
      } else key.querySelector(".span").textContent = ` (0–100 %: its range ${lo}–${hi}${unit})`;
      const scale = shared ? (v) => v : (v) => (hi === lo ? 50 : ((v - lo) / (hi - lo)) * 100);
      const points = data.points.map((p) => ({ time: p.time, y: scale(p.value), point: p }));
      layers.push({ points, colour, band: false, unit: display.dataset.unit, display: Number(display.dataset.display) });
    });
    const info = article.querySelector(".point-info");
    if (!layers.length) {
      plot(article.querySelector(".chart"), [], {});
      article.points = [];
      info.textContent = "No accepted readings in this range.";
      return;
    }
    info.textContent = "Click a point to open the photo behind it.";
    const axis = shared
      ? { ...around(layers.flatMap((l) => l.points.map((p) => p.y)), []), label: (v) => v.toFixed(1) }
      : { lo: 0, hi: 100, limits: [], label: (v) => `${v.toFixed(0)} %` };
    article.points = plot(article.querySelector(".chart"), layers, axis);
  }

  async function open(article, event) {
    const canvas = article.querySelector(".chart");
    const box = canvas.getBoundingClientRect();
    const cx = ((event.clientX - box.left) * canvas.width) / box.width;
    const cy = ((event.clientY - box.top) * canvas.height) / box.height;
    let best = null;
    for (const p of article.points || []) {
      const d = Math.hypot(p.px - cx, p.py - cy);
      if (d < 12 && (!best || d < best.d)) best = { d, point: p.point, unit: p.unit };
    }
    if (!best) return;
    let capture = best.point.capture;
    if (capture === undefined) {
      const answer = await fetch(`/api/meter-readings/${best.point.reading}/`, { headers: { Accept: "application/json" } });
      if (answer.ok) capture = (await answer.json()).capture;
    }
    const info = article.querySelector(".point-info");
    if (capture) window.location.href = `/captures/${capture}/`;
    else info.textContent = `${best.point.value} ${best.unit} at ${new Date(best.point.time).toLocaleString()}: entered without a photo.`;
  }

  // A reading of a display on this page: say what came, redraw its chart and where it stands.
  async function heard(event) {
    const article = root.querySelector(`article.display[data-display="${event.display}"]`);
    if (!article) return;
    const note = article.querySelector(".heard");
    const value = event.value === null ? "no value" : `${event.value} ${article.dataset.unit}`.trim();
    const verdict = event.status === "accepted" ? "in the series" : event.status === "review"
      ? `waiting for review (${event.reasons.join("; ")})` : `not kept (${event.reasons.join("; ")})`;
    note.textContent = `New reading ${new Date(event.read_at).toLocaleString()}: ${value}, ${verdict}.`;
    note.hidden = false;
    refresh(article);
    compare(together);
  }

  // A display's chart and where it stands, read again.
  async function refresh(article) {
    load(article);
    const answer = await fetch(`/equipment/displays/${article.dataset.display}/state`);
    if (answer.ok) article.querySelector(".now").innerHTML = await answer.text();
  }

  const together = document.getElementById("compare");
  for (const article of [...root.querySelectorAll("article.display"), together].filter(Boolean)) {
    const draw = article === together ? compare : load;
    article.querySelector(".range").addEventListener("change", () => draw(article));
    article.querySelector(".chart").addEventListener("click", (event) => open(article, event));
    draw(article);
  }

  // An alert on this machine opened a ticket: the table is read again from the page itself.
  async function tickets() {
    const answer = await fetch(location.href, { headers: { Accept: "text/html" } });
    if (!answer.ok) return;
    const page = new DOMParser().parseFromString(await answer.text(), "text/html");
    const fresh = page.querySelector("#tickets tbody");
    if (fresh) document.querySelector("#tickets tbody").replaceWith(fresh);
  }

  function alerted(event) {
    const banner = document.getElementById("alert-banner");
    banner.hidden = false;
    banner.querySelector(".detail").textContent = `${event.equipment} ${event.display}: ${event.message}`;
    if (event.equipment === root.dataset.equipment) tickets();
  }

  // The station's socket. Whatever came while it was closed (readings, reviews, alerts) is not
  // sent again, so on opening again the page reads its charts, states and tickets afresh; the
  // wait before each new try doubles from 1 s to 30 s.
  const live = document.getElementById("live");
  let wait = 1000;
  let dropped = false;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/stations/${root.dataset.station}/`);
    socket.addEventListener("open", () => {
      live.textContent = "live"; live.className = "status done"; root.dataset.live = "1";
      wait = 1000;
      if (!dropped) return;
      dropped = false;
      root.querySelectorAll("article.display").forEach(refresh);
      compare(together);
      tickets();
    });
    socket.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      if (event.type === "meter.read") heard(event);
      else if (event.type === "alert.raised") alerted(event);
    });
    socket.addEventListener("close", () => {
      live.textContent = "reconnecting…"; live.className = "status pending"; root.dataset.live = "";
      dropped = true;
      setTimeout(connect, wait);
      wait = Math.min(wait * 2, 30000);
    });
  }
  if (root.dataset.station) connect();
})();
