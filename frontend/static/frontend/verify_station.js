// The verification station: the station and work order are picked once; every label verified
// at the station (photographed here, or sent by its fixed camera with metadata verify) arrives
// over ws/stations/<id>/ and turns the banner green or red, with a tone, counts for the session
// and a log of the rejects. Text from labels goes in as textContent only.
(() => {
  const root = document.getElementById("verify");
  if (!root) return;
  const setup = document.getElementById("verify-setup");
  const shot = document.getElementById("verify-shot");
  const banner = document.getElementById("banner");
  const live = document.getElementById("live");
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const counts = { pass: 0, fail: 0 };
  let audio = null;
  let context = null;

  function tone(ok) {
    if (!audio) return;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = ok ? "sine" : "square";
    osc.frequency.value = ok ? 880 : 220;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + (ok ? 0.15 : 0.6));
  }

  function show(v) {
    banner.className = "banner " + (v.ok ? "pass" : "fail");
    banner.dataset.verification = v.id;
    banner.querySelector(".verdict").textContent = v.ok ? "PASS" : "REJECT";
    const what = [v.unit && "unit " + v.unit, v.lot && "lot " + v.lot, v.work_order].filter(Boolean).join(" · ");
    banner.querySelector(".detail").textContent = v.ok ? what || "label as expected" : v.reasons.join("; ");
    counts[v.ok ? "pass" : "fail"] += 1;
    document.getElementById("count-pass").textContent = counts.pass;
    document.getElementById("count-fail").textContent = counts.fail;
    if (!v.ok) {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = "/captures/" + v.capture + "/";
      link.textContent = new Date(v.created_at).toLocaleTimeString();
      li.append(link, " ", v.reasons.join("; "));
      document.getElementById("rejects").prepend(li);
    }
    tone(v.ok);
  }

  function connect(stationId) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/stations/" + stationId + "/");
    socket.onopen = () => { live.textContent = "live"; live.className = "status done"; root.dataset.live = "1"; };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "verification.done") show(message.verification);
    };
    socket.onclose = () => {
      live.textContent = "reconnecting…"; live.className = "status pending"; root.dataset.live = "";
      setTimeout(() => connect(stationId), 3000);
    };
  }

  setup.addEventListener("submit", (event) => {
    event.preventDefault();
    const station = setup.elements.station;
    context = { station: station.value, work_order: setup.elements.work_order.value };
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
    setup.hidden = true;
    shot.hidden = false;
    connect(station.selectedOptions[0].dataset.id);
  });

  shot.elements.image.addEventListener("change", () => {
    const file = shot.elements.image.files[0];
    if (!file || !context) return;
    banner.className = "banner busy";
    banner.querySelector(".verdict").textContent = "Reading…";
    banner.querySelector(".detail").textContent = "";
    const form = new FormData();
    form.append("image", file);
    form.append("station", context.station);
    form.append("idempotency_key", "verify-" + Date.now() + "-" + Math.random().toString(16).slice(2));
    form.append("metadata", JSON.stringify({ verify: true, work_order: context.work_order, context: "verification" }));
    fetch(root.dataset.apiUrl, { method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRFToken": csrf, Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : r.json().then((b) => Promise.reject(b))))
      .catch((body) => {
        banner.className = "banner fail";
        banner.querySelector(".verdict").textContent = "Not sent";
        banner.querySelector(".detail").textContent = (body && body.detail) || "The photo could not be sent.";
      });
    shot.reset();
  });
})();
