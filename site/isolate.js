// Static build only (npm run build:site adds it to index.html, before app.js runs): when
// the host did not make the page cross-origin isolated, register ../coi-serviceworker.js
// (its scope is the whole folder, so it also serves the worker scripts and the .wasm) and
// reload once; the reloaded page comes through the service worker with the headers.
// window.rcuLabIsolation tells app.js: "reloading" (do nothing, the page is going away),
// or why the service worker cannot help (app.js then says what is missing and how to fix it).
(function () {
  var KEY = "rcu-lab-isolation-reload";
  if (window.crossOriginIsolated) {
    sessionStorage.removeItem(KEY);
    return;
  }
  window.rcuLabIsolation = (async function () {
    if (!window.isSecureContext) return "not a secure context (a service worker needs HTTPS or localhost)";
    if (!("serviceWorker" in navigator)) return "no service workers in this browser";
    if (sessionStorage.getItem(KEY)) {
      sessionStorage.removeItem(KEY); // reloaded once through the service worker and still not isolated: give up
      return "the service worker did not isolate the page";
    }
    try {
      await navigator.serviceWorker.register(new URL("../coi-serviceworker.js", document.baseURI));
      await navigator.serviceWorker.ready;
    } catch (e) {
      return "the service worker could not be registered: " + e.message;
    }
    sessionStorage.setItem(KEY, "1");
    location.reload();
    return "reloading";
  })();
})();
