// TraceLens service worker: the capture page and its assets load without a connection, so an
// operator can keep photographing; photos wait in IndexedDB (the page's outbox) until online.
const CACHE = "tracelens-shell-v1";
const SHELL = ["/capture/", "/static/frontend/app.css", "/static/frontend/capture_new.js", "/static/frontend/icon-192.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // uploads go to the network; the page keeps them if it fails
  const url = new URL(request.url);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/ws/")) return;
  if (!SHELL.includes(url.pathname)) return;
  // network first (fresh page with a fresh CSRF token), the cached copy when offline
  event.respondWith(
    fetch(request)
      .then((response) => {
        const copy = response.clone();
        if (response.ok) caches.open(CACHE).then((cache) => cache.put(request, copy));
        return response;
      })
      .catch(() => caches.match(request))
  );
});
