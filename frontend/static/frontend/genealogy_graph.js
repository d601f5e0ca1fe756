// Genealogy drawn as a graph: the tree the page carries (a unit's as-built tree, or what a lot
// went into), laid out left to right in SVG. Each node links to its own page (jump), nodes with
// children fold and unfold (click the circle, or Enter/Space on it), and Expand/Collapse all.
// No library: a tidy layout of a few hundred nodes is a few lines. Text goes in as textContent,
// so whatever was read from a label stays inert.
(() => {
  const holder = document.getElementById("graph");
  const source = document.getElementById("graph-data");
  if (!holder || !source) return;
  const root = JSON.parse(source.textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const COL = 230, ROW = 34, BOX_W = 200, BOX_H = 26, PAD = 12;
  let folded = new Set();

  function key(node) { return node.kind + ":" + node.id; }
  function href(node) {
    const pattern = node.kind === "unit" ? holder.dataset.unitUrl : holder.dataset.lotUrl;
    return pattern.replace(/\/0\/$/, "/" + node.id + "/");
  }
  function el(name, attrs, parent) {
    const item = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) item.setAttribute(k, v);
    if (parent) parent.appendChild(item);
    return item;
  }

  // Leaves take consecutive rows; a parent sits level with the middle of its children.
  function layout(node, depth, state, placed) {
    const open = node.children.length && !folded.has(key(node));
    let y;
    if (open) {
      const ys = node.children.map((child) => layout(child, depth + 1, state, placed));
      y = (ys[0] + ys[ys.length - 1]) / 2;
    } else {
      y = state.row++ * ROW;
    }
    placed.push({ node, x: depth * COL, y, open });
    return y;
  }

  function draw() {
    holder.replaceChildren();
    const placed = [];
    const state = { row: 0 };
    layout(root, 0, state, placed);
    const where = new Map(placed.map((p) => [p.node, p]));
    const width = Math.max(...placed.map((p) => p.x)) + BOX_W + 2 * PAD;
    const height = Math.max(state.row, 1) * ROW + 2 * PAD;
    const svg = el("svg", { width, height, viewBox: `${-PAD} ${-PAD} ${width} ${height}`, role: "tree" }, holder);
    for (const p of placed) {
      if (!p.open) continue;
      for (const child of p.node.children) {
        const c = where.get(child);
        const x1 = p.x + BOX_W, y1 = p.y + BOX_H / 2, x2 = c.x, y2 = c.y + BOX_H / 2, mid = (x1 + x2) / 2;
        el("path", { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: "edge" }, svg);
      }
    }
    for (const p of placed) {
      const n = p.node;
      const group = el("g", { class: `gnode ${n.kind} status-${n.status}`, transform: `translate(${p.x},${p.y})`, role: "treeitem" }, svg);
      group.dataset.key = key(n);
      const link = el("a", { href: href(n) }, group);
      el("rect", { width: BOX_W, height: BOX_H, rx: 5 }, link);
      const text = el("text", { x: 8, y: 17 }, link);
      text.textContent = `${n.part_number} · ${n.kind === "lot" ? "lot " : ""}${n.label}`;
      const title = el("title", {}, link);
      title.textContent = [n.relation, n.status, n.supplier, n.quantity != null ? "× " + n.quantity : ""].filter(Boolean).join(" · ");
      if (n.children.length) {
        const toggle = el("g", { class: "toggle", tabindex: 0, role: "button", "aria-expanded": String(p.open), transform: `translate(${BOX_W},${BOX_H / 2})` }, group);
        el("circle", { r: 8 }, toggle);
        const sign = el("text", { x: 0, y: 4, "text-anchor": "middle" }, toggle);
        sign.textContent = p.open ? "−" : String(n.children.length);
        const flip = () => { folded.has(key(n)) ? folded.delete(key(n)) : folded.add(key(n)); draw(); };
        toggle.addEventListener("click", flip);
        toggle.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); flip(); } });
      }
    }
  }

  function all(node, out) { if (node.children.length) out.push(key(node)); node.children.forEach((c) => all(c, out)); return out; }
  document.querySelectorAll("[data-graph]").forEach((button) => button.addEventListener("click", () => {
    folded = button.dataset.graph === "collapse" ? new Set(all(root, []).filter((k) => k !== key(root))) : new Set();
    draw();
  }));
  draw();
})();
