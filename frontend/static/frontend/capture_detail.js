// Shows a capture's reading as it arrives over the WebSocket; falls back to polling the API.
// Everything read from the image is untrusted: it is only ever set as textContent.
(function () {
  const root = document.getElementById("capture");
  if (!root) return;
  const id = root.dataset.captureId;
  const apiUrl = root.dataset.apiUrl;
  const svgNS = "http://www.w3.org/2000/svg";
  let done = false;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function polygon(points, cls) {
    const poly = document.createElementNS(svgNS, "polygon");
    poly.setAttribute("points", points.map((p) => p[0] + "," + p[1]).join(" "));
    poly.setAttribute("class", cls);
    return poly;
  }

  function render(capture) {
    const job = capture.job || {};
    const status = document.getElementById("status");
    status.textContent = job.status === "done" ? "Done" : job.status === "failed" ? "Failed" : job.status === "running" ? "Reading…" : "Waiting";
    status.className = "status " + (job.status || "pending");
    root.dataset.status = job.status || "pending";
    const error = document.getElementById("error");
    if (job.status === "failed") {
      error.hidden = false;
      error.textContent = "Could not read this photo: " + (job.error || job.error_code);
    }
    const record = document.getElementById("record");
    if (capture.unit) record.textContent = capture.unit.product + " · serial " + capture.unit.serial + (capture.lot ? " · lot " + capture.lot.code : "");
    else if (capture.lot) record.textContent = capture.lot.product + " · lot " + capture.lot.code;
    else record.textContent = job.status === "done" ? "No known unit or lot found in this photo." : "—";

    const reading = capture.reading;
    if (!reading) return;
    done = true;
    renderQuality(reading.quality);
    const review = document.getElementById("review");
    review.hidden = !capture.needs_review && !capture.reviewed_by;
    review.textContent = capture.needs_review
      ? "Sent to review: " + capture.review_reasons.join("; ")
      : capture.reviewed_by ? "Reviewed by " + capture.reviewed_by + ": " + capture.corrections.map((c) => c.field + " " + (c.changed ? c.read + " → " + c.value : "confirmed")).join(", ") + signed(capture.review_signature) : "";
    const codes = document.getElementById("codes");
    const lines = document.getElementById("lines");
    const boxes = document.getElementById("boxes");
    codes.replaceChildren();
    lines.replaceChildren();
    boxes.replaceChildren();
    // boxes are in the pixels the photo was read at (a large photo is read reduced)
    if (reading.width && reading.height) boxes.setAttribute("viewBox", "0 0 " + reading.width + " " + reading.height);
    reading.codes.forEach((code) => {
      const li = el("li");
      li.append(el("span", code.symbology, "tag"), " ", el("code", code.text.replace(/\u001d/g, "⟨GS⟩").replace(/\u001e/g, "⟨RS⟩").replace(/\u0004/g, "⟨EOT⟩")));
      if (code.gs1.length) {
        const dl = el("dl", undefined, "gs1");
        code.gs1.forEach((e) => { dl.append(el("dt", "(" + e.ai + ") " + e.description), el("dd", e.value)); });
        li.append(dl);
      }
      if (code.data_identifiers && code.data_identifiers.length) {
        const dl = el("dl", undefined, "gs1");
        code.data_identifiers.forEach((e) => { dl.append(el("dt", e.ai + " " + e.description), el("dd", e.value)); });
        li.append(dl);
      }
      codes.append(li);
      boxes.append(polygon(code.box, "code"));
    });
    if (!reading.codes.length) codes.append(el("li", "No code found.", "muted"));
    reading.lines.forEach((line) => {
      const li = el("li");
      li.append(charsOf(line), " ", el("span", Math.round(line.confidence * 100) + "%", "conf"));
      lines.append(li);
      boxes.append(polygon(line.box, "line"));
    });
    if (!reading.lines.length) lines.append(el("li", "No text found.", "muted"));
    renderFields(reading.fields || [], reading.checks || []);
    renderDefects(capture, reading);
    renderMeters(capture, reading);
    document.getElementById("engine").textContent = reading.engine ? "Read by " + reading.engine + " " + reading.engine_version : "";
  }

  // From the image's pixels (defects' and displays' boxes) to the reading's (the overlay's).
  function overlayScale(capture, reading) {
    return reading.width && capture.image.width ? reading.width / capture.image.width : 1;
  }

  // Defect checks: a line per check (verdict, model and version), each detection boxed on the
  // photo. Detections are in the image's pixels; the overlay is in the reading's.
  function renderDefects(capture, reading) {
    const section = document.getElementById("defects");
    const list = document.getElementById("defect-list");
    const checks = capture.defects || [];
    section.hidden = !checks.length;
    list.replaceChildren();
    const scale = overlayScale(capture, reading);
    const boxes = document.getElementById("boxes");
    const heat = document.getElementById("heat-map");
    heat.hidden = true;
    checks.forEach((check) => {
      const verdict = check.ok === null ? "could not run" : check.ok ? "pass" : "defect";
      const li = el("li", undefined, "defect-check " + (check.ok === null ? "error" : check.ok ? "ok" : "bad"));
      li.append(el("strong", check.check), " ", el("span", verdict, "tag"));
      const by = check.model ? check.model + " v" + check.version : check.method;
      li.append(" ", el("span", by + (check.score !== null ? " · score " + check.score.toFixed(3) : ""), "meta"));
      if (check.error) li.append(el("div", check.error, "meta"));
      check.detections.forEach((d) => {
        li.append(el("div", d.label + " " + Math.round(d.score * 100) + "%", "detection"));
        const [x1, y1, x2, y2] = d.box.map((v) => v * scale);
        const box = polygon([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], "defect");
        box.dataset.label = d.label;
        boxes.append(box);
      });
      if (check.heat_map_url) { heat.src = check.heat_map_url; heat.hidden = false; }
      list.append(li);
    });
  }

  // A machine's display read in the photo: its value and whether it joined the display's series
  // or waits for review (and why), each digit with its confidence; the digits' row boxed on the
  // photo. Boxes are in the image's pixels; the overlay is in the reading's.
  function renderMeters(capture, reading) {
    const section = document.getElementById("meters");
    const list = document.getElementById("meter-list");
    const meters = capture.meters || [];
    section.hidden = !meters.length;
    list.replaceChildren();
    const scale = overlayScale(capture, reading);
    meters.forEach((m) => {
      const verdict = m.status === "accepted" ? "in the series" : m.status === "review" ? "waiting for review" : "not kept";
      const li = el("li", undefined, "meter " + m.status);
      const link = el("a", m.display.equipment + " · " + m.display.name);
      link.href = "/equipment/" + m.display.equipment_id + "/";
      const value = m.value === null ? "no value" : m.value + (m.display.unit ? " " + m.display.unit : "");
      li.append(link, ": ", el("strong", value), " ", el("span", verdict, "tag"));
      if (m.reasons.length) li.append(el("div", m.reasons.join("; "), "meta"));
      // the text as read, each digit with its confidence (a point has none)
      const digits = el("div", undefined, "text digits");
      let next = 0;
      Array.from(m.text).forEach((c) => {
        const d = next < m.digits.length && m.digits[next].char === c ? m.digits[next++] : null;
        const ch = el("span", c, d && d.confidence < 0.8 ? "char doubt" : "char");
        if (d) ch.title = Math.round(d.confidence * 100) + "%";
        digits.append(ch);
      });
      if (m.text) li.append(digits);
      list.append(li);
      if (m.box) {
        const [x, y, w, h] = m.box.map((v) => v * scale);
        const box = polygon([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], "meter");
        box.dataset.display = m.display.id;
        document.getElementById("boxes").append(box);
      }
    });
  }

  // Each character with its own confidence: doubtful ones are marked; the tooltip gives the
  // score and the other characters the engine weighed there ("0 34%").
  function charsOf(line) {
    const span = el("span", undefined, "text");
    if (!line.chars || line.chars.length !== line.text.length) { span.textContent = line.text; return span; }
    const alternatives = line.alternatives && line.alternatives.length === line.text.length ? line.alternatives : [];
    Array.from(line.text).forEach((c, i) => {
      const score = line.chars[i];
      const others = alternatives[i] || [];
      const ch = el("span", c, score < 0.8 ? "char doubt" : "char");
      ch.title = Math.round(score * 100) + "%" + others.map(([a, p]) => " · or " + a + " " + Math.round(p * 100) + "%").join("");
      if (others.length) ch.dataset.alternatives = others.map(([a]) => a).join("");
      span.append(ch);
    });
    return span;
  }

  function renderQuality(quality) {
    const box = document.getElementById("quality");
    if (!quality || quality.ok) { box.hidden = true; return; }
    box.hidden = false;
    box.replaceChildren(el("strong", "Retake suggested: "));
    quality.issues.forEach((issue, i) => { box.append((i ? " " : "") , el("span", issue.message, "issue " + issue.code)); });
    box.dataset.issues = quality.issues.map((i) => i.code).join(" ");
  }

  function renderFields(fields, checks) {
    const body = document.querySelector("#fields tbody");
    body.replaceChildren();
    if (!fields.length) {
      const tr = el("tr");
      tr.append(el("td", "No field found.", "muted"));
      body.append(tr);
      return;
    }
    fields.forEach((f) => {
      const own = checks.filter((c) => c.field === f.name);
      const failed = own.filter((c) => !c.ok);
      const tr = el("tr", undefined, failed.length ? "failed" : "passed");
      tr.dataset.field = f.name;
      const value = el("td", undefined, "value");
      value.append(el("div", f.value));
      const verdict = failed.length
        ? failed.map((c) => c.name + (c.detail ? ": " + c.detail : "")).join("; ")
        : own.length ? "✓ " + own.map((c) => c.name).join(", ") : "";
      value.append(el("div", verdict, "checks"));
      tr.append(el("th", f.name), value, el("td", Math.round(f.confidence * 100) + "% " + f.source, "conf"));
      body.append(tr);
      if (f.box && f.box.length) document.getElementById("boxes").append(polygon(f.box, "field"));
    });
  }

  function poll() {
    if (done) return;
    fetch(apiUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((capture) => { if (capture) render(capture); if (!done && !(capture && capture.job.status === "failed")) setTimeout(poll, 2000); })
      .catch(() => setTimeout(poll, 4000));
  }

  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + location.host + "/ws/captures/" + id + "/");
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "capture.updated") render(message.capture);
  };
  socket.onopen = () => { root.dataset.live = "1"; };
  socket.onerror = () => setTimeout(poll, 500);
  socket.onclose = () => { if (!done) setTimeout(poll, 500); };
})();

function signed(signature) {
  // an electronic signature, as the record keeps it
  return signature ? " · signed " + signature.meaning + " by " + signature.signer + " at " + signature.signed_at + ": " + signature.reason : "";
}
