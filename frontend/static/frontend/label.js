// Drawing defect boxes on a captured photo: drag to draw, each box saved at once through the
// API with the chosen class; a box can be removed. Coordinates are the image's pixels.
(function () {
  const root = document.getElementById("labelling");
  if (!root) return;
  const captureId = Number(root.dataset.captureId);
  const width = Number(root.dataset.width);
  const height = Number(root.dataset.height);
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const svg = document.getElementById("drawn");
  const list = document.getElementById("box-list");
  const product = document.getElementById("product");
  const classSelect = document.getElementById("defect-class");
  const message = document.getElementById("label-message");
  const svgNS = "http://www.w3.org/2000/svg";
  const headers = { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf };

  function say(text, kind) {
    message.hidden = !text;
    message.textContent = text || "";
    message.className = "message " + (kind || "");
  }

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function rect(x1, y1, x2, y2, cls) {
    const r = document.createElementNS(svgNS, "rect");
    r.setAttribute("x", Math.min(x1, x2));
    r.setAttribute("y", Math.min(y1, y2));
    r.setAttribute("width", Math.abs(x2 - x1));
    r.setAttribute("height", Math.abs(y2 - y1));
    r.setAttribute("class", cls);
    return r;
  }

  function loadClasses() {
    const url = new URL(root.dataset.classesUrl, location.href);
    url.searchParams.set("product", product.value);
    return fetch(url, { credentials: "same-origin", headers }).then((r) => r.json()).then((page) => {
      const classes = page.results || page;
      classSelect.replaceChildren(...classes.map((c) => { const o = el("option", c.name); o.value = c.id; return o; }));
      if (!classes.length) say("This product has no defect classes yet: a supervisor adds them (Admin → Defect classes).", "warn");
      else say("");
    });
  }

  function loadBoxes() {
    const url = new URL(root.dataset.annotationsUrl, location.href);
    url.searchParams.set("capture", captureId);
    url.searchParams.set("limit", 500);
    return fetch(url, { credentials: "same-origin", headers }).then((r) => r.json()).then((page) => {
      svg.replaceChildren();
      list.replaceChildren();
      (page.results || page).forEach(show);
    });
  }

  function show(a) {
    const r = rect(a.x1, a.y1, a.x2, a.y2, "annotation");
    r.dataset.label = a.label;
    svg.append(r);
    const li = el("li");
    li.dataset.id = a.id;
    li.append(el("strong", a.label), " ", el("span", [a.x1, a.y1, a.x2, a.y2].map(Math.round).join(", "), "meta"), " ");
    const remove = el("button", "Remove", "link");
    remove.type = "button";
    remove.addEventListener("click", () => {
      fetch(root.dataset.annotationsUrl + a.id + "/", { method: "DELETE", credentials: "same-origin", headers })
        .then((r) => { if (r.ok) loadBoxes(); else say("Could not remove the box.", "error"); });
    });
    li.append(remove);
    list.append(li);
  }

  function point(event) {
    const box = svg.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * width;
    const y = ((event.clientY - box.top) / box.height) * height;
    return [Math.max(0, Math.min(width, x)), Math.max(0, Math.min(height, y))];
  }

  let start = null;
  let preview = null;
  svg.addEventListener("pointerdown", (event) => {
    if (!classSelect.value) { say("Choose a class first.", "warn"); return; }
    start = point(event);
    preview = rect(start[0], start[1], start[0], start[1], "annotation drawing");
    svg.append(preview);
    svg.setPointerCapture(event.pointerId);
  });
  svg.addEventListener("pointermove", (event) => {
    if (!start) return;
    const [x, y] = point(event);
    preview.replaceWith((preview = rect(start[0], start[1], x, y, "annotation drawing")));
  });
  svg.addEventListener("pointerup", (event) => {
    if (!start) return;
    const [x, y] = point(event);
    const box = [Math.min(start[0], x), Math.min(start[1], y), Math.max(start[0], x), Math.max(start[1], y)];
    start = null;
    preview.remove();
    if (box[2] - box[0] < 3 || box[3] - box[1] < 3) return;
    const body = { capture: captureId, defect_class: Number(classSelect.value), box: box.map((v) => Math.round(v * 10) / 10) };
    fetch(root.dataset.annotationsUrl, { method: "POST", credentials: "same-origin", headers, body: JSON.stringify(body) })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data })))
      .then(({ ok, data }) => { if (ok) { say(""); loadBoxes(); } else say(data.detail || "The box was not saved.", "error"); });
  });

  product.addEventListener("change", loadClasses);
  loadClasses();
  loadBoxes();
})();
