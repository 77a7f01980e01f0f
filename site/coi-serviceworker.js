// The static build's service worker (npm run build:site puts it at the folder's root).
// A static host that cannot send headers leaves the page without cross-origin isolation,
// hence without SharedArrayBuffer. Once this worker controls the page, it answers every
// same-origin request from the network with the two headers added:
//   Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp
// (and Cross-Origin-Resource-Policy: same-origin), so the reloaded page, its modules, its
// worker scripts and the .wasm are served as `rcu-lab serve` serves them. The approach of
// coi-serviceworker (github.com/gzuidhof/coi-serviceworker), written anew for this page:
// site/isolate.js registers it and reloads the page once.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return; // the page loads nothing cross-origin
  if (request.cache === "only-if-cached" && request.mode !== "same-origin") return; // a DevTools quirk: fetch() would throw
  event.respondWith(
    fetch(request).then((response) => {
      if (response.type === "opaque" || response.type === "opaqueredirect" || response.status === 0) return response;
      const headers = new Headers(response.headers);
      headers.set("Cross-Origin-Opener-Policy", "same-origin");
      headers.set("Cross-Origin-Embedder-Policy", "require-corp");
      headers.set("Cross-Origin-Resource-Policy", "same-origin");
      const nullBody = [101, 103, 204, 205, 304].includes(response.status); // new Response() refuses a body for these
      return new Response(nullBody ? null : response.body, { status: response.status, statusText: response.statusText, headers });
    }),
  );
});
