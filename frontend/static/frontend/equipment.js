// The equipment page: each display's series drawn on its canvas from /api/displays/<id>/series/
// (buckets with their min-max band for long ranges); clicking a point opens the photo behind
// it. Alerts for the machine's station arrive over ws/stations/<id>/ and show in the banner (one
// on this machine brings its ticket into the table); each reading of a display arrives there
// too, and redraws the display's chart and where it stands. A socket that drops is opened again,
// and the page then reads everything the push would have brought while it was away.
(() => {
  const root = document.getElementById("equipment");
  if (!root) return;
  const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

  async function load(article) {
    const hours = article.querySelector(".range").value;
    const params = new URLSearchParams({ max_points: "400" });
    if (hours) params.set("start", new Date(Date.now() - hours * 3600e3).toISOString());
    const answer = await fetch(`/api/displays/${article.dataset.display}/series/?${params}`, {
      headers: { Accept: "application/json" },
    });
    if (!answer.ok) return;
    draw(article, await answer.json());
  }

  function draw(article, data) {
    const canvas = article.querySelector(".chart");
    const ctx = canvas.getContext("2d");
    const points = data.points.map((p) => ({ ...p, time: Date.parse(p.t) }));
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    article.points = [];
    const info = article.querySelector(".point-info");
    if (!points.length) {
      info.textContent = "No accepted readings in this range.";
      return;
    }
    info.textContent = `${data.count} readings${data.bucket ? ", one point per " + data.bucket : ""}. Click a point to open the photo behind it.`;
    const values = points.flatMap((p) => [p.min ?? p.value, p.max ?? p.value]);
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    const span = Math.max(hi - lo, 1);
    // a display's range and its rules' limits are drawn when they are near the data, so they
    // don't flatten it
    const limits = [article.dataset.low, article.dataset.high, ...article.dataset.limits.split(",")]
      .filter((v) => v !== undefined && v !== "").map(Number)
      .filter((v) => v >= lo - 2 * span && v <= hi + 2 * span);
    lo = Math.min(lo, ...limits);
    hi = Math.max(hi, ...limits);
    if (hi === lo) { hi += 1; lo -= 1; }
    const t0 = points[0].time;
    const t1 = Math.max(points[points.length - 1].time, t0 + 1);
    const w = canvas.width - PAD.left - PAD.right;
    const h = canvas.height - PAD.top - PAD.bottom;
    const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * w;
    const y = (v) => PAD.top + (1 - (v - lo) / (hi - lo)) * h;
    ctx.strokeStyle = "#999";
    ctx.fillStyle = "#444";
    ctx.font = "11px sans-serif";
    for (const v of [lo, (lo + hi) / 2, hi]) {
      ctx.fillText(v.toFixed(1), 4, y(v) + 4);
      ctx.beginPath(); ctx.moveTo(PAD.left, y(v)); ctx.lineTo(PAD.left + w, y(v)); ctx.stroke();
    }
    ctx.fillText(new Date(t0).toLocaleString(), PAD.left, canvas.height - 8);
    const end = new Date(t1).toLocaleString();
    ctx.fillText(end, PAD.left + w - ctx.measureText(end).width, canvas.height - 8);
    ctx.strokeStyle = "#c0392b";
    for (const v of limits) {
      ctx.setLineDash([4, 4]);
      ctx.beginPath(); ctx.moveTo(PAD.left, y(v)); ctx.lineTo(PAD.left + w, y(v)); ctx.stroke();
    }
    ctx.setLineDash([]);
    if (data.bucket) {
      ctx.fillStyle = "rgba(41,128,185,0.2)";
      for (const p of points) ctx.fillRect(x(p.time) - 1, y(p.max), 3, Math.max(1, y(p.min) - y(p.max)));
    }
    ctx.strokeStyle = "#2980b9";
    ctx.beginPath();
    points.forEach((p, i) => (i ? ctx.lineTo(x(p.time), y(p.value)) : ctx.moveTo(x(p.time), y(p.value))));
    ctx.stroke();
    ctx.fillStyle = "#2980b9";
    for (const p of points) {
      ctx.beginPath(); ctx.arc(x(p.time), y(p.value), 2.5, 0, 2 * Math.PI); ctx.fill();
      article.points.push({ px: x(p.time), py: y(p.value), point: p });
    }
  }

  async function open(article, event) {
    const canvas = article.querySelector(".chart");
    const box = canvas.getBoundingClientRect();
    const cx = ((event.clientX - box.left) * canvas.width) / box.width;
    const cy = ((event.clientY - box.top) * canvas.height) / box.height;
    let best = null;
    for (const p of article.points || []) {
      const d = Math.hypot(p.px - cx, p.py - cy);
      if (d < 12 && (!best || d < best.d)) best = { d, point: p.point };
    }
    if (!best) return;
    let capture = best.point.capture;
    if (capture === undefined) {
      const answer = await fetch(`/api/meter-readings/${best.point.reading}/`, { headers: { Accept: "application/json" } });
      if (answer.ok) capture = (await answer.json()).capture;
    }
    const info = article.querySelector(".point-info");
    if (capture) window.location.href = `/captures/${capture}/`;
    else info.textContent = `${best.point.value} ${article.dataset.unit} at ${new Date(best.point.time).toLocaleString()}: entered without a photo.`;
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
  }

  // A display's chart and where it stands, read again.
  async function refresh(article) {
    load(article);
    const answer = await fetch(`/equipment/displays/${article.dataset.display}/state`);
    if (answer.ok) article.querySelector(".now").innerHTML = await answer.text();
  }

  for (const article of root.querySelectorAll("article.display")) {
    article.querySelector(".range").addEventListener("change", () => load(article));
    article.querySelector(".chart").addEventListener("click", (event) => open(article, event));
    load(article);
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
