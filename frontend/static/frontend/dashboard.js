// The supervisor dashboard: figures from the API, then every capture pushed over the WebSocket.
// Everything shown comes from records (serials, lots, station codes): textContent only.
(function () {
  const root = document.getElementById("dashboard");
  if (!root) return;
  const svgNS = "http://www.w3.org/2000/svg";
  const feed = document.getElementById("feed");
  let refresh = null;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function pct(value) { return value === null || value === undefined ? "–" : value + "%"; }

  // a wait in the unit a person reads it in: minutes, then hours, then days
  function duration(minutes) {
    if (minutes === null || minutes === undefined) return "–";
    if (minutes < 120) return Math.round(minutes) + " min";
    if (minutes < 48 * 60) return (minutes / 60).toFixed(1) + " h";
    return (minutes / 1440).toFixed(1) + " d";
  }

  function chart(perMinute, windowMinutes) {
    const svg = document.getElementById("chart");
    svg.replaceChildren();
    const now = Date.now();
    const counts = [];
    for (let i = windowMinutes - 1; i >= 0; i--) {
      const minute = new Date(now - i * 60000);
      minute.setSeconds(0, 0);
      const key = Object.keys(perMinute).find((k) => Math.abs(new Date(k) - minute) < 30000);
      counts.push(key ? perMinute[key] : 0);
    }
    const top = Math.max(1, ...counts);
    const width = 300 / counts.length;
    counts.forEach((n, i) => {
      const bar = document.createElementNS(svgNS, "rect");
      const height = (n / top) * 76;
      bar.setAttribute("x", (i * width + 1).toFixed(1));
      bar.setAttribute("y", (80 - height).toFixed(1));
      bar.setAttribute("width", Math.max(1, width - 2).toFixed(1));
      bar.setAttribute("height", height.toFixed(1));
      bar.setAttribute("class", "bar");
      const title = document.createElementNS(svgNS, "title");
      title.textContent = n + " capture" + (n === 1 ? "" : "s");
      bar.append(title);
      svg.append(bar);
    });
  }

  function feedItem(c) {
    const li = el("li");
    li.dataset.captureId = c.id;
    const link = el("a", "#" + c.id);
    link.href = "/captures/" + c.id + "/";
    const what = c.unit ? "serial " + c.unit : c.lot ? "lot " + c.lot : c.status === "done" ? "nothing known read" : c.status || "pending";
    li.append(link, " ", el("span", c.station || "—", "tag"), " ", el("span", what), " ");
    if (c.needs_review) li.append(el("span", "review", "status failed"));
    else li.append(el("span", c.status || "pending", "status " + (c.status || "pending")));
    return li;
  }

  function render(stats) {
    document.getElementById("captures").textContent = stats.captures;
    document.getElementById("rate").textContent = stats.reads_per_minute;
    document.getElementById("no-read").textContent = pct(stats.no_read_pct);
    document.getElementById("review-rate").textContent = pct(stats.review_pct);
    chart(stats.per_minute, stats.window_minutes);
    const body = document.querySelector("#wip tbody");
    body.replaceChildren();
    stats.wip.forEach((w) => {
      const tr = el("tr", undefined, w.station === stats.bottleneck ? "bottleneck" : "");
      tr.append(el("td", w.station), el("td", w.waiting), el("td", w.throughput_per_hour), el("td", duration(w.mean_dwell_minutes)));
      body.append(tr);
    });
    document.getElementById("bottleneck").textContent = stats.bottleneck ? "bottleneck: " + stats.bottleneck : "";
    feed.replaceChildren(...stats.recent.map(feedItem));
  }

  const lineFilter = document.getElementById("line-filter");
  const chosen = new URLSearchParams(location.search).get("line");
  if (lineFilter && chosen) lineFilter.value = chosen;
  function lineCode() {
    const option = lineFilter && lineFilter.selectedOptions[0];
    return option && option.value ? option.dataset.code : "";
  }
  if (lineFilter) lineFilter.addEventListener("change", () => {
    const url = new URL(location.href);
    if (lineFilter.value) url.searchParams.set("line", lineFilter.value);
    else url.searchParams.delete("line");
    history.replaceState(null, "", url);
    load();
  });

  function load() {
    const url = new URL(root.dataset.apiUrl, location.href);
    if (lineFilter && lineFilter.value) url.searchParams.set("line", lineFilter.value);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((stats) => { if (stats) render(stats); });
  }

  function arrived(capture) {
    if (lineCode() && capture.line !== lineCode()) return; // another line's capture
    const old = feed.querySelector('li[data-capture-id="' + capture.id + '"]');
    const item = feedItem(capture);
    if (old) old.replaceWith(item);
    else {
      feed.prepend(item);
      while (feed.children.length > 20) feed.lastElementChild.remove();
    }
    clearTimeout(refresh);
    refresh = setTimeout(load, 2000); // figures follow the feed without a request per capture
  }

  function spark(values) {
    const svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("viewBox", "0 0 100 24");
    svg.setAttribute("class", "spark");
    const known = values.filter((v) => v !== null);
    if (known.length) {
      const points = values.map((v, i) => (v === null ? null : [values.length > 1 ? (i * 100) / (values.length - 1) : 50, 22 - v * 20]))
        .filter(Boolean).map(([x, y]) => x.toFixed(1) + "," + y.toFixed(1)).join(" ");
      const line = document.createElementNS(svgNS, "polyline");
      line.setAttribute("points", points);
      svg.append(line);
    }
    return svg;
  }

  function printQuality() {
    const table = document.getElementById("print-quality");
    const url = new URL(table.dataset.apiUrl, location.href);
    if (lineFilter && lineFilter.value) url.searchParams.set("line", lineFilter.value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((trend) => {
        if (!trend) return;
        document.getElementById("print-note").textContent = trend.note;
        const body = table.querySelector("tbody");
        body.replaceChildren();
        trend.series.forEach((s) => {
          const last = s.points[s.points.length - 1];
          const fmt = (v) => (v === null || v === undefined ? "–" : v.toFixed(2));
          const tr = el("tr");
          const chart = el("td");
          chart.append(spark(s.points.map((p) => p.contrast)));
          tr.append(el("td", s.station), el("td", s.points.reduce((n, p) => n + p.codes, 0)), el("td", fmt(last.unused_ec)), el("td", fmt(last.contrast)), el("td", fmt(last.margin)), el("td", fmt(last.pattern_damage)), chart);
          body.append(tr);
        });
        if (!trend.series.length) body.append(el("tr", "No Data Matrix read in the last " + trend.days + " days."));
      });
  }

  function defectRates() {
    const table = document.getElementById("defect-rates");
    const url = new URL(table.dataset.apiUrl, location.href);
    if (lineFilter && lineFilter.value) url.searchParams.set("line", lineFilter.value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((rows) => {
        if (!rows) return;
        const body = table.querySelector("tbody");
        body.replaceChildren();
        rows.forEach((r) => {
          const tr = el("tr");
          tr.append(el("td", r.line || "–"), el("td", r.label), el("td", r.detections), el("td", r.inspected), el("td", r.per_100 === null ? "–" : r.per_100.toFixed(1)));
          body.append(tr);
        });
        if (!rows.length) body.append(el("tr", "No defect found in the last 24 hours."));
      });
  }

  // Maintenance alerts whose ticket is not closed: read on load, on each alert pushed for a
  // line in view, and after the socket comes back (an alert raised meanwhile is not pushed twice).
  function alerts() {
    const table = document.getElementById("alerts");
    const url = new URL(table.dataset.apiUrl, location.href);
    if (lineFilter && lineFilter.value) url.searchParams.set("line", lineFilter.value);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((page) => {
        if (!page) return;
        const body = table.querySelector("tbody");
        body.replaceChildren();
        page.results.forEach((a) => {
          const tr = el("tr", undefined, a.ticket && a.ticket.status === "open" ? "open" : "");
          tr.dataset.alert = a.id;
          const machine = el("td");
          const link = el("a", a.equipment);
          link.href = "/equipment/" + a.equipment_id + "/";
          machine.append(link);
          const ticket = a.ticket ? a.ticket.status + (a.ticket.acknowledged_by ? " · " + a.ticket.acknowledged_by : "") : "–";
          const action = el("td");
          if (table.dataset.acknowledge && a.ticket && a.ticket.status === "open") {
            const button = el("button", "Acknowledge", "button");
            button.addEventListener("click", () => acknowledge(a.ticket.id, button));
            action.append(button);
          }
          tr.append(el("td", new Date(a.raised_at).toLocaleString()), machine, el("td", a.display_name), el("td", a.message), el("td", ticket), action);
          body.append(tr);
        });
        if (!page.results.length) body.append(el("tr", "No open maintenance alert."));
        const older = page.count - page.results.length;
        if (older > 0) body.append(el("tr", older + " older open alert" + (older === 1 ? "" : "s") + ": on each machine's page, and counted as open tickets on the equipment list."));
      });
  }

  // A supervisor takes an alert on from here; closing it, with what was done, is on the machine's page.
  function acknowledge(ticket, button) {
    button.disabled = true;
    const csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
    fetch("/api/maintenance-tickets/" + ticket + "/acknowledge/", {
      method: "POST", credentials: "same-origin", headers: { Accept: "application/json", "X-CSRFToken": csrf },
    })
      .then((r) => (r.ok ? alerts() : r.json().then((answer) => { button.replaceWith(el("span", answer.detail || "not acknowledged", "fail-text")); })))
      .catch(() => { button.disabled = false; });
  }

  load();
  alerts();
  printQuality();
  defectRates();
  setInterval(defectRates, 60000);
  if (lineFilter) lineFilter.addEventListener("change", () => { alerts(); printQuality(); defectRates(); });
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  function connect() {
    const socket = new WebSocket(scheme + location.host + "/ws/dashboard/");
    const live = document.getElementById("live");
    socket.onopen = () => { live.textContent = "live"; live.className = "status done"; root.dataset.live = "1"; };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "dashboard.captures") message.captures.forEach(arrived);
      if (message.type === "dashboard.alert" && (!lineCode() || message.alert.line === lineCode())) alerts();
    };
    socket.onclose = () => {
      live.textContent = "reconnecting…"; live.className = "status pending"; root.dataset.live = "";
      setTimeout(() => { load(); alerts(); connect(); }, 3000);
    };
  }
  connect();
})();
