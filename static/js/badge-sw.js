/* Service worker of the on-screen badge (served from /<year>/me/badge/sw.js, scoped to the
 * badge page). Network first; without a connection the last badge page shown on this device
 * (with its style sheets) is answered from the cache, so a phone can stand in for the paper
 * badge at the door. A page that is not a badge (logged out, no badge) is never kept. */
"use strict";

var CACHE = "badge-screen-__VERSION__";
var ASSETS = "__ASSETS__";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) {
        // The badge page itself, only when it is one (not a login page after a redirect).
        var page = fetch(self.registration.scope, { credentials: "same-origin" })
          .then(function (response) {
            if (response.ok && !response.redirected) {
              return cache.put(new URL(self.registration.scope).pathname, response);
            }
            return null;
          });
        return Promise.all([cache.addAll(ASSETS), page]);
      })
      .catch(function () { /* the page still works online */ })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (keys) {
        return Promise.all(keys.filter(function (key) {
          return key.indexOf("badge-screen-") === 0 && key !== CACHE;
        }).map(function (key) { return caches.delete(key); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var page = request.mode === "navigate";
  if (!page && ASSETS.indexOf(url.pathname + url.search) < 0 && ASSETS.indexOf(url.pathname) < 0) { return; }
  var key = page ? url.pathname : request;
  event.respondWith(
    fetch(request)
      .then(function (response) {
        caches.open(CACHE).then(function (cache) {
          if (response.ok && !response.redirected) { return cache.put(key, response.clone()); }
          if (page) { return cache.delete(key); }  // no badge (any more) for this browser
          return null;
        });
        return response;
      })
      .catch(function () {
        return caches.match(key, { ignoreVary: true }).then(function (cached) {
          return cached || Response.error();
        });
      })
  );
});
