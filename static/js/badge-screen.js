/* The on-screen badge: register its service worker so that the page opens without a
 * connection once it has been shown (the page works without this script). */
"use strict";
(function () {
  var root = document.getElementById("badge-screen");
  if (!root || !("serviceWorker" in navigator)) { return; }
  navigator.serviceWorker.register(root.dataset.swUrl, { scope: root.dataset.scope })
    .catch(function () { /* the browser cache still keeps the page for a day */ });
}());
