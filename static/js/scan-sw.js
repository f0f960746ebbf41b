/* Service worker of the staff scanner (served from /<year>/scan/sw.js, scoped to the page).
 * Keeps the scanner page, its assets and the last scanner bundle available offline:
 * network first, falling back to the cache. Check-in POSTs are never intercepted: the page
 * queues them itself and sends them when the connection returns. */
"use strict";

var VERSION = "__VERSION__";
var PRECACHE = "__PRECACHE__";
var CACHE = "scanner-" + VERSION;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) {
        return cache.addAll(PRECACHE.map(function (url) {
          return new Request(url, { credentials: "same-origin", cache: "reload" });
        }));
      })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (keys) {
        return Promise.all(keys.filter(function (key) {
          return key.indexOf("scanner-") === 0 && key !== CACHE;
        }).map(function (key) { return caches.delete(key); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function cacheable(url) {
  return PRECACHE.indexOf(url.pathname) >= 0 || /\/scanner-bundle$/.test(url.pathname);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || !cacheable(url)) { return; }
  var navigation = request.mode === "navigate";
  event.respondWith(
    fetch(request)
      .then(function (response) {
        if (response.ok && !response.redirected) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) {
            return cache.put(navigation ? url.pathname : request, copy);
          });
        }
        return response;
      })
      .catch(function () {
        return caches.match(navigation ? url.pathname : request, { ignoreVary: true, ignoreSearch: navigation })
          .then(function (cached) { return cached || Response.error(); });
      })
  );
});
