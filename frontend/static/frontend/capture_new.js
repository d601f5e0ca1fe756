// Phone and tablet capture. The rear camera at full resolution (ImageCapture.takePhoto where the
// browser has it, else a frame of the video); each photo gets a client-made idempotency key and
// is kept in IndexedDB until the server has it, so a photo taken offline uploads when the
// connection returns and a retried upload never makes a second capture. The quality verdict and
// the reading come back over the WebSocket. Text read from images is only set as textContent.
(function () {
  const key = document.getElementById("idempotency-key");
  if (key) key.value = newKey();

  function newKey() {
    return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});

  const card = document.getElementById("camera-card");
  if (!card || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.indexedDB) return;

  const video = document.getElementById("viewfinder");
  const shoot = document.getElementById("shoot");
  const shots = document.getElementById("shots");
  const network = document.getElementById("network");
  const station = document.getElementById("cam-station");
  const purpose = document.getElementById("cam-purpose");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  let track = null;
  let sending = false;
  let again = false; // a photo came in while the outbox was being sent: send it once that ends

  // The operator picks the context once; it is remembered on this device. A page opened for a
  // machine's display (?display=<id>) photographs that display at its machine's station.
  const display = card.dataset.display ? Number(card.dataset.display) : null;
  station.value = display ? card.dataset.station : localStorage.getItem("tl.station") || station.value;
  purpose.value = localStorage.getItem("tl.purpose") || purpose.value;
  station.onchange = () => { if (!display) localStorage.setItem("tl.station", station.value); };
  purpose.onchange = () => {
    localStorage.setItem("tl.purpose", purpose.value);
    localStorage.removeItem("tl.parent");
    document.getElementById("assembly-hint").hidden = purpose.value !== "assembly";
  };
  document.getElementById("assembly-hint").hidden = Boolean(display) || purpose.value !== "assembly";

  // --- the outbox: IndexedDB, one record per photo, keyed by its idempotency key -------------
  function db() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open("tracelens", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("outbox", { keyPath: "key" });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }
  function store(mode, fn) {
    return db().then((d) => new Promise((resolve, reject) => {
      const tx = d.transaction("outbox", mode);
      const result = fn(tx.objectStore("outbox"));
      tx.oncomplete = () => resolve(result && result.result !== undefined ? result.result : result);
      tx.onerror = () => reject(tx.error);
    }));
  }
  const put = (item) => store("readwrite", (s) => s.put(item));
  const remove = (k) => store("readwrite", (s) => s.delete(k));
  const pending = () => store("readonly", (s) => s.getAll());

  // --- the list of shots on the page ------------------------------------------------------
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  function row(k) {
    let li = shots.querySelector('li[data-key="' + k + '"]');
    if (!li) {
      li = el("li");
      li.dataset.key = k;
      li.append(el("span", "", "state"), " ", el("span", "", "what"), el("div", "", "quality"));
      shots.prepend(li);
    }
    return li;
  }
  function show(k, state, what) {
    const li = row(k);
    li.dataset.state = state;
    li.querySelector(".state").textContent = state;
    li.querySelector(".state").className = "state status " + (state === "read" ? "done" : state === "failed" ? "failed" : "pending");
    if (what !== undefined) li.querySelector(".what").textContent = what;
  }

  // --- camera -------------------------------------------------------------------------------
  navigator.mediaDevices
    .getUserMedia({ video: { facingMode: { ideal: "environment" }, width: { ideal: 4096 }, height: { ideal: 3072 } }, audio: false })
    .then((stream) => {
      video.srcObject = stream;
      track = stream.getVideoTracks()[0];
      card.hidden = false;
      document.getElementById("upload-title").textContent = "Or choose a photo";
      // the button waits for the camera's first frame: a photo before it would hold no picture
      const ready = () => { if (video.videoWidth) shoot.disabled = false; };
      video.addEventListener("loadeddata", ready);
      ready();
      video.onclick = focusAt;
    })
    .catch(() => { card.hidden = true; }); // no camera or no permission: the file input remains

  function focusAt() {
    // tap to focus, where the camera supports it
    const caps = track && track.getCapabilities ? track.getCapabilities() : {};
    if (caps.focusMode && caps.focusMode.includes("single-shot")) {
      track.applyConstraints({ advanced: [{ focusMode: "single-shot" }] }).catch(() => {});
    }
  }

  // a full-resolution still where the camera gives one; the video's frame where it refuses, or
  // does not answer within PHOTO_WAIT_MS (some cameras' takePhoto never settles)
  const PHOTO_WAIT_MS = 4000;
  function grab() {
    if (window.ImageCapture && track) {
      const late = new Promise((resolve) => setTimeout(() => resolve(null), PHOTO_WAIT_MS));
      return Promise.race([new ImageCapture(track).takePhoto(), late])
        .then((blob) => blob || frame())
        .catch(() => frame());
    }
    return frame();
  }
  function frame() {
    const noPicture = new Error("The camera gave no picture; take the photo again.");
    if (!video.videoWidth) return Promise.reject(noPicture);
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(noPicture)), "image/jpeg", 0.92));
  }

  shoot.onclick = () => {
    shoot.disabled = true;
    grab()
      .then((blob) => {
        const metadata = display ? { display } : { context: purpose.value };
        const parent = localStorage.getItem("tl.parent");
        if (!display && purpose.value === "assembly" && parent) metadata.parent_capture = Number(parent);
        const item = { key: newKey(), blob, station: station.value, metadata, taken: Date.now() };
        return put(item).then(() => {
          show(item.key, navigator.onLine ? "sending" : "waiting (offline)", "photo " + new Date(item.taken).toLocaleTimeString());
          flush(); // kept in the outbox: the next photo need not wait for this upload
        });
      })
      .catch((error) => show(newKey(), "failed", error.message))
      .finally(() => { shoot.disabled = false; });
  };

  // --- uploads: every photo in the outbox, oldest first, until the server has it -------------
  function flush() {
    if (!navigator.onLine) return Promise.resolve();
    if (sending) { again = true; return Promise.resolve(); }
    sending = true;
    again = false;
    return pending()
      .then((items) => items.sort((a, b) => a.taken - b.taken).reduce((chain, item) => chain.then(() => upload(item)), Promise.resolve()))
      .finally(() => {
        sending = false;
        if (again) flush();
      });
  }

  function upload(item) {
    if (!(item.blob instanceof Blob)) {
      // a record with no picture (kept by an older page) has nothing to send; it must not hold up the photos behind it
      show(item.key, "failed", "This photo holds no picture; take it again.");
      return remove(item.key);
    }
    const form = new FormData();
    form.append("image", item.blob, "photo-" + item.taken + ".jpg");
    form.append("idempotency_key", item.key);
    if (item.station) form.append("station", item.station);
    form.append("metadata", JSON.stringify(item.metadata));
    show(item.key, "sending");
    return fetch(card.dataset.apiUrl, { method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRFToken": csrf, Accept: "application/json" } })
      .then((response) => response.json().then((body) => ({ response, body })))
      .then(({ response, body }) => {
        if (response.status === 201 || response.status === 200) {
          if (item.metadata.context === "assembly" && !item.metadata.parent_capture) localStorage.setItem("tl.parent", String(body.id));
          return remove(item.key).then(() => follow(item.key, body, item.metadata.context));
        }
        if (response.status === 503 || response.status === 408 || response.status >= 500) {
          // busy, or the upload was cut off: the photo stays in the outbox and is sent again
          const wait = Number(response.headers.get("Retry-After")) || 30;
          show(item.key, "waiting (server busy)", body.detail || "The server is busy; sending again in " + wait + " s.");
          setTimeout(flush, wait * 1000);
          return;
        }
        // refused for good (not an image, too large…): say why, keep nothing to resend
        show(item.key, "failed", body.detail || "refused");
        return remove(item.key);
      })
      .catch(() => { show(item.key, "waiting (offline)"); }); // network error: stays in the outbox
  }

  // --- results: the capture's WebSocket group --------------------------------------------
  // --- returns: the returned unit's card and the case, on the same page ----------------------
  const REASONS = [["defective", "Defective"], ["damaged", "Damaged in transit"], ["wrong_item", "Wrong item"], ["not_as_described", "Not as described"], ["other", "Other"]];
  function api(url, body) {
    const options = { credentials: "same-origin", headers: { Accept: "application/json", "X-CSRFToken": csrf } };
    if (body) Object.assign(options, { method: "POST", body: JSON.stringify(body) }, { headers: { ...options.headers, "Content-Type": "application/json" } });
    return fetch(url, options).then((r) => r.json().then((data) => (r.ok ? data : Promise.reject(data))));
  }
  function caseForm(box, capture, withSerial) {
    const form = el("form", undefined, "return-form");
    const reason = el("select");
    reason.name = "reason";
    REASONS.forEach(([value, label]) => { const o = el("option", label); o.value = value; reason.append(o); });
    const serial = el("input");
    serial.name = "typed_serial";
    serial.placeholder = "serial on the item";
    const button = el("button", withSerial ? "Open case" : "Open return", "button");
    button.type = "submit";
    if (withSerial) form.append(serial);
    form.append(reason, button);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      api("/api/returns/", { capture: capture.id, reason: reason.value, typed_serial: withSerial ? serial.value : "" })
        .then((made) => form.replaceWith(el("p", "Return " + made.number + " opened" + (made.unit ? " for " + made.unit : ", waiting for a supervisor"), "status done rma")))
        .catch((e) => form.append(el("p", (e && e.detail) || "Not opened.", "status failed")));
    });
    box.append(form);
  }
  function returnCard(li, capture) {
    const box = el("div", undefined, "return-card");
    li.append(box);
    if (!capture.unit) {
      box.append(el("p", "Serial not found in TraceLens: type it, the photo stays with the case."));
      caseForm(box, capture, true);
      return;
    }
    api("/api/units/" + capture.unit.id + "/return-card/").then((card) => {
      const w = card.warranty;
      const warranty = w.status === "in_warranty" ? "In warranty until " + w.until + " (" + w.days_left + " days)"
        : w.status === "expired" ? "Warranty expired on " + w.until : "Not shipped";
      box.append(
        el("h3", card.product.part_number + " · " + card.unit.serial),
        el("p", warranty, "warranty " + w.status),
        el("p", "Lot " + (card.lot || "—") + " · made " + (card.made_at || "—").slice(0, 10) + " · stations " + (card.stations.join(", ") || "—")),
        el("p", card.shipped_at ? "Shipped " + card.shipped_at.slice(0, 10) + " to " + card.customer : "Not shipped"),
        el("p", "Supplier lots: " + (card.supplier_lots.map((l) => l.part_number + " " + l.code + (l.supplier ? " (" + l.supplier + ")" : "")).join(", ") || "—")),
        el("p", "Inspections: " + (card.inspections.map((i) => i.result).join(", ") || "none")),
      );
      const others = Object.entries(card.other_returns_by_lot);
      if (others.length) box.append(el("p", "Other returns on its lots: " + others.map(([lot, n]) => lot + " × " + n).join(", "), "status failed"));
      caseForm(box, capture, false);
    });
  }

  function follow(k, capture, context) {
    const li = row(k);
    li.dataset.captureId = capture.id;
    const link = el("a", "#" + capture.id);
    link.href = "/captures/" + capture.id + "/";
    li.querySelector(".what").replaceChildren(link, " reading…");
    show(k, "sent");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/captures/" + capture.id + "/");
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type !== "capture.updated") return;
      const c = message.capture;
      if (!c.reading && !(c.job && c.job.status === "failed")) return;
      if (c.job.status === "failed") { show(k, "failed", c.job.error || c.job.error_code); socket.close(); return; }
      const fields = c.reading.fields.map((f) => f.name + " " + f.value).join(" · ");
      const record = c.unit ? "serial " + c.unit.serial : c.lot ? "lot " + c.lot.code : "";
      const meters = (c.meters || []).map((m) => m.display.name + " " + (m.value === null ? "no value" : m.value + (m.display.unit ? " " + m.display.unit : "")) + (m.status === "accepted" ? "" : " (" + m.reasons.join("; ") + ")"));
      li.querySelector(".what").replaceChildren(link, " " + (meters.join(" · ") || record || fields || "nothing read"));
      const quality = li.querySelector(".quality");
      quality.textContent = c.reading.quality && !c.reading.quality.ok ? "Retake? " + c.reading.quality.issues.map((i) => i.message).join(" ") : "";
      show(k, c.needs_review ? "review" : "read");
      if (context === "returns") returnCard(li, c);
      socket.close();
    };
  }

  function online() {
    const up = navigator.onLine;
    network.textContent = up ? "online" : "offline: photos wait here";
    network.className = "status " + (up ? "done" : "pending");
    if (up) flush();
  }
  window.addEventListener("online", online);
  window.addEventListener("offline", online);
  // the photos kept from before are listed first, then sent (a listing after the send would
  // paint over what the send found)
  pending()
    .then((items) => items.forEach((item) => show(item.key, "waiting", "photo " + new Date(item.taken).toLocaleTimeString())))
    .finally(online);
  setInterval(flush, 15000);
})();
