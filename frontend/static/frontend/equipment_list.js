// The equipment list kept where each display stands: a reading or an alert pushed to the
// list's socket (ws/equipment/: the dashboards' alerts and readings, not their captures) for a
// machine in the list, or a machine or display added, changed or removed on the person's lines,
// has the page read its table again, at most once a second however many come; so does the
// socket coming back, since what came while it was closed is not sent again.
// The wait before each new try doubles from 1 s to 30 s.
(() => {
  const root = document.getElementById("equipment");
  if (!root) return;
  const live = document.getElementById("live");
  const table = () => root.querySelector("#equipment-table tbody");
  let pending = null;
  function reread() {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      fetch(location.href, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : null))
        .then((html) => {
          const fresh = html && new DOMParser().parseFromString(html, "text/html").querySelector("#equipment-table tbody");
          if (fresh) table().replaceWith(fresh);
        });
    }, 1000);
  }
  const listed = (machine) => table().querySelector(`tr[data-machine="${machine}"]`) !== null;
  let wait = 1000;
  let dropped = false;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/equipment/`);
    socket.addEventListener("open", () => {
      live.textContent = "live"; live.className = "status done"; root.dataset.connected = "1";
      wait = 1000;
      if (dropped) reread();
      dropped = false;
    });
    socket.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      const row = event.type === "dashboard.meter" ? event.meter : event.type === "dashboard.alert" ? event.alert : null;
      if (event.type === "dashboard.equipment" || (row && listed(row.equipment_id))) reread();
    });
    socket.addEventListener("close", () => {
      live.textContent = "reconnecting…"; live.className = "status pending"; root.dataset.connected = "";
      dropped = true;
      setTimeout(connect, wait);
      wait = Math.min(wait * 2, 30000);
    });
  }
  connect();
})();
