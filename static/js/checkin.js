/* Staff scanner: camera (jsQR), manual entry, online check-in, offline decisions and queue.
 * Also refreshes the organisers' live counts. No inline scripts (CSP): everything is here. */
(function () {
  "use strict";

  var REASONS = {
    invalid_code: "Not a valid badge code (damaged, forged or not one of ours).",
    wrong_edition: "This badge is for another edition of the conference.",
    revoked: "This badge has been revoked (replaced or withdrawn).",
    not_accredited: "The holder is not accredited.",
    not_cleared: "The holder is not cleared for this session."
  };
  var WORDS = { admitted: "Admitted", admitted_again: "Admitted again", denied: "Denied" };
  // The page's language: the server renders these texts into data-texts (English defaults).
  var T = {
    ready: "Ready",
    online: "Online: badges are checked with the server.",
    rulesReady: "Offline rules from {time} are ready.",
    offline: "Offline: deciding on this device with the rules from {time}.",
    noRules: "Offline, and this device has no rules yet: connect once to download them.",
    queueOne: "{n} scan is waiting to be sent to the server.",
    queueMany: "{n} scans are waiting to be sent to the server.",
    noRulesKept: "No connection and no offline rules on this device: the scan is kept and will be checked when the connection returns.",
    badgeOffline: "Badge {badge} · category {category} (check the name on the badge)",
    firstAdmitted: "First admitted here at {time}.",
    decidedOffline: "Decided offline on this device; the scan will be sent when the connection returns.",
    logInAgain: "Please log in again",
    notChecked: "Not checked",
    serverFailed: "The server could not check this badge.",
    cameraStart: "Start the camera",
    cameraStop: "Stop the camera",
    cameraHold: "Hold the badge's QR code in front of the camera.",
    cameraMissing: "The camera is not available ({error}). Type the code or use a barcode reader instead.",
    updated: "(updated {time})"
  };
  function say(key, values) {
    var text = T[key];
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }
  function readTexts(element) {
    var given = {};
    try { given = JSON.parse(element.dataset.texts || "{}"); } catch (e) { given = {}; }
    if (given.words) { WORDS = given.words; }
    if (given.reasons) { REASONS = given.reasons; }
    Object.keys(given).forEach(function (key) { if (typeof given[key] === "string") { T[key] = given[key]; } });
  }
  var B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  // --- small helpers ---------------------------------------------------------------------

  function b64urlDecode(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function b32Decode(text) {
    var bits = 0, value = 0, out = [];
    for (var i = 0; i < text.length; i++) {
      var idx = B32.indexOf(text[i]);
      if (idx < 0) { return null; }
      value = (value << 5) | idx;
      bits += 5;
      if (bits >= 8) {
        out.push((value >>> (bits - 8)) & 255);
        bits -= 8;
      }
    }
    return new Uint8Array(out);
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function load(key, fallback) {
    try {
      var raw = localStorage.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch (e) { return fallback; }
  }

  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full */ }
  }

  // Parse "EF1.<base32(payload || signature)>" (see the README).
  function parseCode(text) {
    if (typeof text !== "string") { return null; }
    text = text.trim().toUpperCase();
    if (text.length > 400 || text.indexOf("EF1.") !== 0) { return null; }
    var raw = b32Decode(text.slice(4));
    if (!raw || raw.length <= 64 + 10) { return null; }
    var payload = raw.slice(0, raw.length - 64);
    var signature = raw.slice(raw.length - 64);
    var view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    if (view.getUint8(0) !== 1) { return null; }
    var length = view.getUint8(9);
    if (payload.length !== 10 + length || length > 20) { return null; }
    var category = "";
    for (var i = 10; i < payload.length; i++) { category += String.fromCharCode(payload[i]); }
    return {
      year: view.getUint16(1),
      badgeId: view.getUint32(3),
      version: view.getUint16(7),
      category: category,
      payload: payload,
      signature: signature
    };
  }

  function beep(result) {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return; }
      beep.ctx = beep.ctx || new Ctx();
      var ctx = beep.ctx;
      var tones = result === "admitted" ? [[880, 0, 0.15]]
        : result === "admitted_again" ? [[660, 0, 0.12], [660, 0.18, 0.12]]
          : [[220, 0, 0.45]];
      tones.forEach(function (t) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.type = result === "denied" ? "square" : "sine";
        osc.frequency.value = t[0];
        gain.gain.value = 0.2;
        osc.connect(gain);
        gain.connect(ctx.destination);
        osc.start(ctx.currentTime + t[1]);
        osc.stop(ctx.currentTime + t[1] + t[2]);
      });
      if (navigator.vibrate) { navigator.vibrate(result === "denied" ? [200, 100, 200] : 80); }
    } catch (e) { /* sound is a bonus */ }
  }

  // --- the scanner -----------------------------------------------------------------------

  // The offline queue lives in IndexedDB, one record per scan: a scan appends one record and
  // a sent scan deletes one, instead of re-serialising the whole queue into localStorage
  // (4.5 ms per scan after 2,000). Without IndexedDB it falls back to localStorage.
  function ScanStore(year) {
    this.legacyKey = "scanqueue:" + year;
    this.name = "scanner-" + year;
    this.db = null;
  }

  ScanStore.prototype.open = function () {
    var self = this;
    return new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(null); return; }
      var request;
      try { request = indexedDB.open(self.name, 1); } catch (e) { resolve(null); return; }
      request.onupgradeneeded = function () {
        request.result.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
      };
      request.onsuccess = function () { self.db = request.result; resolve(self.db); };
      request.onerror = function () { resolve(null); };
    });
  };

  ScanStore.prototype.tx = function (mode) {
    return this.db.transaction("queue", mode).objectStore("queue");
  };

  // Everything queued, oldest first; a queue left in localStorage by an older page is moved in.
  ScanStore.prototype.load = function () {
    var self = this;
    return this.open().then(function (db) {
      var legacy = load(self.legacyKey, []);
      if (!db) { return legacy; }
      return new Promise(function (resolve) {
        var request = self.tx("readonly").getAll();
        request.onsuccess = function () { resolve(request.result || []); };
        request.onerror = function () { resolve([]); };
      }).then(function (stored) {
        if (!legacy.length) { return stored; }
        return Promise.all(legacy.map(function (item) { return self.add(item); })).then(function () {
          try { localStorage.removeItem(self.legacyKey); } catch (e) { /* ignore */ }
          return stored.concat(legacy);
        });
      });
    });
  };

  ScanStore.prototype.add = function (item, queue) {
    var self = this;
    if (!this.db) { save(this.legacyKey, queue || [item]); return Promise.resolve(item); }
    return new Promise(function (resolve) {
      var request = self.tx("readwrite").add(item);
      request.onsuccess = function () { item.seq = request.result; resolve(item); };
      request.onerror = function () { resolve(item); };
    });
  };

  ScanStore.prototype.remove = function (item, queue) {
    var self = this;
    if (!this.db) { save(this.legacyKey, queue); return Promise.resolve(); }
    if (item.seq === undefined) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      var request = self.tx("readwrite").delete(item.seq);
      request.onsuccess = function () { resolve(); };
      request.onerror = function () { resolve(); };
    });
  };

  function Scanner(root) {
    readTexts(root);
    this.root = root;
    this.year = root.dataset.year;
    this.tz = root.dataset.timezone;
    this.bundleUrl = root.dataset.bundleUrl;
    this.checkinUrl = root.dataset.checkinUrl;
    this.csrf = root.dataset.csrf;
    this.form = document.getElementById("scan-form");
    this.code = this.form.querySelector("[name=code]");
    this.checkpoint = this.form.querySelector("[name=checkpoint]");
    this.result = document.getElementById("scan-result");
    this.status = document.getElementById("scanner-status");
    this.queueStatus = document.getElementById("queue-status");
    this.keys = [];
    this.bundle = load("scanbundle:" + this.year, null);
    this.queue = [];
    this.store = new ScanStore(this.year);
    var self = this;
    this.ready = this.store.load().then(function (items) {
      self.queue = items.concat(self.queue);
    });
    this.admitted = load("scanadmitted:" + this.year, {});
    this.flushing = false;
    this.door = root.dataset.door === "1";
    this.repeatMs = (parseInt(root.dataset.repeatSeconds, 10) || 0) * 1000;
    this.lastScan = { key: "", at: 0 };
    this.cameraOn = false;
    this.next = document.getElementById("scan-next");
    this.direction = this.form.querySelector("[name=direction]");
  }

  // A badge held in front of the camera (or a reader that fires twice) is read again and
  // again: the same code at the same checkpoint is ignored for a few seconds.
  Scanner.prototype.isRepeat = function (code) {
    var key = this.checkpoint.value + "|" + (this.direction ? this.direction.value : "in") + "|" + code.toUpperCase();
    var now = Date.now();
    var repeat = key === this.lastScan.key && now - this.lastScan.at < this.repeatMs;
    if (!repeat) { this.lastScan = { key: key, at: now }; }
    return repeat;
  };

  // Focus goes to the code field only when no camera runs (on a phone it raises the
  // keyboard and scrolls the verdict away); a keyboard-wedge reader types into it.
  Scanner.prototype.focusCode = function () {
    if (this.cameraOn) { return; }
    try { this.code.focus({ preventScroll: true }); } catch (e) { this.code.focus(); }
  };

  Scanner.prototype.setupDoor = function () {
    var self = this;
    if (this.next) {
      this.next.hidden = false;
      this.next.addEventListener("click", function () {
        self.result.className = "scan-result scan-idle";
        self.result.textContent = "";
        var p = document.createElement("p");
        p.className = "scan-verdict";
        p.textContent = T.ready;
        self.result.appendChild(p);
        self.focusCode();
      });
    }
    if (!this.door) { return; }
    this.checkpoint.addEventListener("mousedown", function (e) { e.preventDefault(); });
    this.checkpoint.addEventListener("keydown", function (e) { if (e.key !== "Tab") { e.preventDefault(); } });
    var locked = this.checkpoint.value;
    this.checkpoint.addEventListener("change", function () { self.checkpoint.value = locked; });
    document.addEventListener("click", function once() {
      document.removeEventListener("click", once);
      var el = document.documentElement;
      if (el.requestFullscreen && !document.fullscreenElement) {
        el.requestFullscreen().catch(function () { /* the browser said no */ });
      }
    });
  };

  Scanner.prototype.start = function () {
    var self = this;
    var saved = load("scancheckpoint:" + this.year, null);
    if (saved && this.checkpoint.querySelector("option[value='" + saved + "']") &&
        !/[?&]checkpoint=/.test(location.search)) {
      this.checkpoint.value = saved;
    }
    this.checkpoint.addEventListener("change", function () {
      save("scancheckpoint:" + self.year, self.checkpoint.value);
      self.paintDirection();
    });
    this.paintDirection();
    this.setupLookup();
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var code = self.code.value.trim();
      if (!code) {
        self.show({ result: "denied", reason: "invalid_code", attendee: null });
        return;
      }
      self.scan(code);
    });
    window.addEventListener("online", function () { self.refreshBundle(); self.flush(); self.paintStatus(); });
    window.addEventListener("offline", function () { self.paintStatus(); });
    this.importKeys().then(function () { self.paintStatus(); });
    this.refreshBundle();
    this.flush();
    setInterval(function () { self.refreshBundle(); self.flush(); }, 60000);
    setInterval(function () { self.flush(); }, 10000);
    this.setupCamera();
    this.setupDoor();
    if ("serviceWorker" in navigator && this.root.dataset.swUrl) {
      navigator.serviceWorker.register(this.root.dataset.swUrl, { scope: this.root.dataset.scope })
        .catch(function () { /* offline reloads need it; scanning itself does not */ });
    }
    this.paintStatus();
  };

  Scanner.prototype.apiCheckpoint = function () {
    var value = this.checkpoint.value;
    if (value === "venue") { return "venue"; }
    return parseInt(value.replace("session:", ""), 10);
  };

  Scanner.prototype.refreshBundle = function () {
    var self = this;
    if (!navigator.onLine) { return Promise.resolve(); }
    return fetch(this.bundleUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("bundle " + response.status); }
        return response.json();
      })
      .then(function (bundle) {
        self.bundle = bundle;
        self.bundleFresh = true;
        save("scanbundle:" + self.year, bundle);
        self.paintDirection();
        return self.importKeys();
      })
      .then(function () { self.paintStatus(); })
      .catch(function () { self.paintStatus(); });
  };

  Scanner.prototype.importKeys = function () {
    var self = this;
    if (!this.bundle || !window.crypto || !crypto.subtle) { return Promise.resolve(); }
    return Promise.all(this.bundle.public_keys.map(function (key) {
      return crypto.subtle.importKey("raw", b64urlDecode(key.raw), { name: "Ed25519" }, false, ["verify"])
        .catch(function () { return null; });
    })).then(function (keys) { self.keys = keys.filter(Boolean); });
  };

  Scanner.prototype.paintStatus = function () {
    var online = navigator.onLine;
    var when = this.bundle ? this.formatTime(this.bundle.generated_at) : null;
    var text;
    if (online) {
      text = T.online;
      if (when) { text += " " + say("rulesReady", { time: when }); }
    } else if (this.bundle && this.keys.length) {
      text = say("offline", { time: when });
    } else {
      text = T.noRules;
    }
    this.status.textContent = text;
    this.status.className = "scanner-status " + (online ? "is-online" : "is-offline");
    var n = this.queue.length;
    this.queueStatus.textContent = n ? say(n === 1 ? "queueOne" : "queueMany", { n: n }) : "";
  };

  Scanner.prototype.formatTime = function (iso) {
    try {
      return new Date(iso).toLocaleTimeString([], { timeZone: this.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    } catch (e) { return iso; }
  };

  Scanner.prototype.scan = function (code) {
    var self = this;
    this.code.value = "";
    if (this.isRepeat(code)) { return Promise.resolve(); }
    var item = {
      code: code,
      checkpoint: this.apiCheckpoint(),
      checkpointKey: this.checkpoint.value,
      scan_id: uuid(),
      scanned_at: new Date().toISOString(),
      direction: this.direction ? this.direction.value : "in"
    };
    if (!navigator.onLine) { return this.decideOffline(item); }
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, 5000) : null;
    return this.post(item, false, controller)
      .then(function (response) {
        if (timer) { clearTimeout(timer); }
        return response.json().then(function (body) {
          if (response.ok) {
            self.remember(item.checkpointKey, item.code, body.result, body.first_admitted_at);
            self.show(body);
          } else {
            self.showError(response.status, body && body.error ? body.error.message : "");
          }
        });
      })
      .catch(function () {
        if (timer) { clearTimeout(timer); }
        return self.decideOffline(item);
      });
  };

  Scanner.prototype.send = function (item, offline, controller) {
    var body = item.manual_reason ?
      { badge_number: item.badge_number, manual_reason: item.manual_reason, checkpoint: item.checkpoint, scan_id: item.scan_id, scanned_at: item.scanned_at } :
      { code: item.code, checkpoint: item.checkpoint, scan_id: item.scan_id, scanned_at: item.scanned_at, direction: item.direction || "in" };
    if (offline) { body.offline = true; }
    return fetch(this.checkinUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": this.csrf },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    });
  };

  function isCsrfFailure(response) {
    if (response.status !== 400) { return Promise.resolve(false); }
    return response.clone().json()
      .then(function (body) { return !!(body && body.error && body.error.code === "csrf_failed"); })
      .catch(function () { return false; });
  }

  // A page kept for a long time (or loaded from the offline cache) may hold an old CSRF token:
  // fetch the page again for a fresh one. Fails when the session has ended.
  Scanner.prototype.renewToken = function () {
    var self = this;
    return fetch(this.root.dataset.scope, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error("login"); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("scanner");
        if (!fresh || !fresh.dataset.csrf) { throw new Error("login"); }
        self.csrf = fresh.dataset.csrf;
      });
  };

  // POST a scan; on a stale CSRF token, renew it once and try again.
  Scanner.prototype.post = function (item, offline, controller) {
    var self = this;
    return this.send(item, offline, controller).then(function (response) {
      return isCsrfFailure(response).then(function (stale) {
        if (!stale) { return response; }
        return self.renewToken()
          .then(function () { return self.send(item, offline, controller); })
          .catch(function () { return response; });
      });
    });
  };

  // Remember who was admitted at which door on this device (offline duplicate detection).
  Scanner.prototype.remember = function (checkpointKey, code, result, when) {
    if (result === "denied") { return; }
    var parsed = parseCode(code);
    if (!parsed) { return; }
    var map = this.admitted[checkpointKey] || {};
    if (!map[parsed.badgeId]) { map[parsed.badgeId] = when || new Date().toISOString(); }
    this.admitted[checkpointKey] = map;
    save("scanadmitted:" + this.year, this.admitted);
  };

  Scanner.prototype.decideOffline = function (item) {
    var self = this;
    var parsed = parseCode(item.code);
    var finish = function (result, reason, extra) {
      var body = { result: result, reason: reason, attendee: null, offline: true };
      if (extra) { Object.keys(extra).forEach(function (k) { body[k] = extra[k]; }); }
      self.enqueue(item);
      self.show(body);
      self.paintStatus();
    };
    if (!this.bundle || !this.keys.length) {
      this.enqueue(item);
      this.showError(0, T.noRulesKept);
      this.paintStatus();
      return Promise.resolve();
    }
    if (!parsed) { finish("denied", "invalid_code"); return Promise.resolve(); }
    var bundle = this.bundle;
    return Promise.all(this.keys.map(function (key) {
      return crypto.subtle.verify({ name: "Ed25519" }, key, parsed.signature, parsed.payload)
        .catch(function () { return false; });
    })).then(function (checks) {
      var genuine = checks.some(Boolean);
      if (parsed.year !== bundle.edition) {  // signed with another edition's key
        return finish("denied", "wrong_edition");
      }
      if (!genuine) { return finish("denied", "invalid_code"); }
      var verdict = self.decideBadge(item, parsed.badgeId, parsed.category);
      return finish(verdict.result, verdict.reason, verdict.result === "denied" ? null : {
        first_admitted_at: verdict.first,
        badge: parsed.badgeId,
        category_code: parsed.category
      });
    });
  };

  // The bundle's rules for one badge at the item's door (after the code's signature, or for
  // a manual admission by printed number): revoked, not accredited, not cleared, or admitted
  // (again, when this device admitted the badge here before).
  Scanner.prototype.decideBadge = function (item, badgeId, categoryCode) {
    var bundle = this.bundle;
    if (bundle.revoked_badge_ids.indexOf(badgeId) >= 0) { return { result: "denied", reason: "revoked" }; }
    if ((bundle.not_accredited_badge_ids || []).indexOf(badgeId) >= 0) {
      return { result: "denied", reason: "not_accredited" };
    }
    var point = null;
    bundle.checkpoints.forEach(function (p) {
      var key = p.id === "venue" ? "venue" : "session:" + p.id;
      if (key === item.checkpointKey) { point = p; }
    });
    if (point && (point.access === "categories" || point.access === "invitation")) {
      var byCategory = (point.categories || []).indexOf(categoryCode) >= 0;
      var byName = (point.badge_ids || []).indexOf(badgeId) >= 0;
      if (!byCategory && !byName) { return { result: "denied", reason: "not_cleared" }; }
    }
    var map = this.admitted[item.checkpointKey] || {};
    var first = map[badgeId];
    if (item.direction !== "out" && !first) {
      map[badgeId] = item.scanned_at;
      this.admitted[item.checkpointKey] = map;
      save("scanadmitted:" + this.year, this.admitted);
    }
    return { result: first ? "admitted_again" : "admitted", reason: null, first: first || item.scanned_at };
  };

  // --- lookup and manual admission without a connection ----------------------------------

  Scanner.prototype.setupLookup = function () {
    var self = this;
    var form = document.getElementById("lookup-form");
    this.lookupBox = document.getElementById("offline-lookup");
    if (!form || !this.lookupBox) { return; }
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) { return; }  // online, the server finds and answers
      event.preventDefault();
      self.findOffline((form.querySelector("[name=q]").value || "").trim());
    });
    // Results the server rendered earlier: their admission forms work offline too.
    document.addEventListener("submit", function (event) {
      var f = event.target;
      if (navigator.onLine || !f.classList || !f.classList.contains("manual-admit")) { return; }
      event.preventDefault();
      self.admitOffline(f.querySelector("[name=badge_number]").value,
        f.querySelector("[name=manual_reason]").value);
    });
  };

  Scanner.prototype.findOffline = function (q) {
    var self = this;
    var box = this.lookupBox;
    var words = box.dataset;
    box.hidden = false;
    box.textContent = "";
    var say = function (text, cls) {
      var p = document.createElement("p");
      p.className = cls || "help";
      p.textContent = text;
      box.appendChild(p);
    };
    say(words.offlineNote);
    var people = (this.bundle && this.bundle.attendees) || [];
    var digits = /^[0-9]{1,9}$/.test(q);
    var text = q.toLowerCase();
    var found = people.filter(function (p) {
      if (digits && p.badge_number === parseInt(q, 10)) { return true; }
      if (text.length < 2 || !p.name) { return false; }
      return p.name.toLowerCase().indexOf(text) >= 0 ||
        (p.organisation || "").toLowerCase().indexOf(text) >= 0;
    }).slice(0, 20);
    if (!found.length && digits) { found = [{ badge_number: parseInt(q, 10), name: null }]; }
    if (!found.length) {
      say(this.bundle && this.bundle.names_offline ? words.nobody : words.noNames, "");
      return;
    }
    var list = document.createElement("ul");
    list.className = "lookup-results";
    found.forEach(function (person, index) {
      var li = document.createElement("li");
      li.className = "lookup-result";
      var line = document.createElement("p");
      if (person.name) {
        var strong = document.createElement("strong");
        strong.textContent = person.name;
        line.appendChild(strong);
        line.appendChild(document.createTextNode(
          (person.organisation ? " · " + person.organisation : "") +
          (person.category ? " · " + person.category : "") + " · "));
      }
      line.appendChild(document.createTextNode(words.badgeNo + " " + person.badge_number));
      li.appendChild(line);
      var row = document.createElement("p");
      row.className = "form-inline";
      var label = document.createElement("label");
      label.htmlFor = "offline-reason-" + index;
      label.textContent = words.reasonLabel;
      var select = document.createElement("select");
      select.id = "offline-reason-" + index;
      [["forgotten_badge", words.forgotten], ["unreadable_print", words.unreadable]].forEach(function (o) {
        var option = document.createElement("option");
        option.value = o[0];
        option.textContent = o[1];
        select.appendChild(option);
      });
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-primary";
      button.textContent = words.admit;
      button.addEventListener("click", function () { self.admitOffline(person.badge_number, select.value); });
      row.appendChild(label);
      row.appendChild(select);
      row.appendChild(button);
      li.appendChild(row);
      list.appendChild(li);
    });
    box.appendChild(list);
  };

  Scanner.prototype.admitOffline = function (number, reason) {
    var item = {
      badge_number: parseInt(number, 10),
      manual_reason: reason,
      checkpoint: this.apiCheckpoint(),
      checkpointKey: this.checkpoint.value,
      scan_id: uuid(),
      scanned_at: new Date().toISOString(),
      direction: "in"
    };
    var person = null;
    ((this.bundle && this.bundle.attendees) || []).forEach(function (p) {
      if (p.badge_number === item.badge_number) { person = p; }
    });
    this.enqueue(item);
    if (!person) {
      this.showError(0, this.lookupBox.dataset.undecided);
    } else {
      var verdict = this.decideBadge(item, person.badge_id, person.category_code);
      this.show({
        result: verdict.result,
        reason: verdict.reason,
        attendee: person.name ? { name: person.name, organisation: person.organisation, category: person.category } : null,
        first_admitted_at: verdict.first,
        offline: true,
        manual: true,
        badge: person.badge_id,
        category_code: person.category_code
      });
    }
    this.paintStatus();
    try { this.result.scrollIntoView({ block: "start" }); } catch (e) { /* old browsers */ }
  };

  // --- exit scans: only at doors that take them -----------------------------------------

  Scanner.prototype.exitCheckpoints = function () {
    if (this.bundle && this.bundle.checkpoints && this.bundle.checkpoints.length &&
        "exit_scans" in this.bundle.checkpoints[0] && this.bundleFresh) {
      return this.bundle.checkpoints.filter(function (p) { return p.exit_scans; })
        .map(function (p) { return p.id === "venue" ? "venue" : "session:" + p.id; });
    }
    return (this.root.dataset.exitCheckpoints || "").split(" ").filter(Boolean);
  };

  Scanner.prototype.paintDirection = function () {
    var wrap = document.getElementById("direction-field");
    if (!wrap || !this.direction) { return; }
    var takesExits = this.exitCheckpoints().indexOf(this.checkpoint.value) >= 0;
    wrap.hidden = !takesExits;
    if (!takesExits) { this.direction.value = "in"; }
  };

  Scanner.prototype.enqueue = function (item) {
    this.queue.push(item);
    this.saving = this.store.add(item, this.queue);
  };

  Scanner.prototype.flush = function () {
    var self = this;
    if (!this.loaded) {
      return this.ready.then(function () { self.loaded = true; self.paintStatus(); return self.flush(); });
    }
    if (this.flushing || !this.queue.length || !navigator.onLine) { return Promise.resolve(); }
    this.flushing = true;
    var sendNext = function () {
      if (!self.queue.length) { return Promise.resolve(); }
      var item = self.queue[0];
      return self.post(item, true, null).then(function (response) {
        if (response.status === 401 || response.status === 403) {
          throw new Error("not allowed");  // keep the queue; the staff member logs in again
        }
        if (response.status >= 500) { throw new Error("server"); }
        return isCsrfFailure(response).then(function (stale) {
          if (stale) { throw new Error("session ended"); }  // keep the queue until logged in
          // 200 (recorded, or recorded before) and other 4xx (never valid) leave the queue.
          self.queue.shift();
          return (self.saving || Promise.resolve()).then(function () {
            return self.store.remove(item, self.queue);
          }).then(function () {
            self.paintStatus();
            return sendNext();
          });
        });
      });
    };
    return sendNext().catch(function () { /* try again later */ }).then(function () {
      self.flushing = false;
      self.paintStatus();
    });
  };

  Scanner.prototype.show = function (body) {
    var box = this.result;
    box.className = "scan-result scan-" + body.result;
    box.textContent = "";
    var add = function (cls, text, strong) {
      var p = document.createElement("p");
      p.className = cls;
      if (strong) {
        var s = document.createElement("strong");
        s.textContent = strong;
        p.appendChild(s);
      }
      if (text) { p.appendChild(document.createTextNode(text)); }
      box.appendChild(p);
    };
    add("scan-verdict", WORDS[body.result] || body.result);
    if (body.reason) { add("scan-reason", REASONS[body.reason] || body.reason); }
    if (body.attendee) {
      var rest = (body.attendee.organisation ? " · " + body.attendee.organisation : "") +
        (body.attendee.category ? " · " + body.attendee.category : "");
      add("scan-person", rest, body.attendee.name);
    } else if (body.offline && body.badge) {
      add("scan-person", say("badgeOffline", { badge: body.badge, category: body.category_code }));
    }
    if (body.result === "admitted_again" && body.first_admitted_at) {
      add("scan-first", say("firstAdmitted", { time: this.formatTime(body.first_admitted_at) }));
    }
    if (body.manual) { add("scan-reason", this.lookupBox ? this.lookupBox.dataset.manual : "Manual admission"); }
    if (body.offline) { add("scan-offline", T.decidedOffline); }
    beep(body.result);
    if (navigator.vibrate) { navigator.vibrate(body.result === "denied" ? [200, 100, 200, 100, 200] : body.result === "admitted" ? 120 : [120, 80, 120]); }
    this.focusCode();
  };

  Scanner.prototype.showError = function (status, message) {
    var box = this.result;
    box.className = "scan-result scan-error";
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "scan-verdict";
    p.textContent = status === 401 || status === 403 ? T.logInAgain : T.notChecked;
    box.appendChild(p);
    var q = document.createElement("p");
    q.className = "scan-reason";
    q.textContent = message || T.serverFailed;
    box.appendChild(q);
    beep("denied");
    this.focusCode();
  };

  // --- camera ----------------------------------------------------------------------------

  Scanner.prototype.setupCamera = function () {
    var self = this;
    var section = document.getElementById("camera");
    if (!section || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) { return; }
    section.hidden = false;
    var button = document.getElementById("camera-toggle");
    var video = document.getElementById("camera-video");
    var canvas = document.getElementById("camera-canvas");
    var message = document.getElementById("camera-message");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null, last = "", lastAt = 0;

    function stop() {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null;
      video.hidden = true;
      self.cameraOn = false;
      button.textContent = T.cameraStart;
    }

    function tick() {
      if (!stream) { return; }
      if (video.readyState === video.HAVE_ENOUGH_DATA) {
        var w = video.videoWidth, h = video.videoHeight;
        var scale = Math.min(1, 640 / Math.max(w, h));
        canvas.width = Math.round(w * scale);
        canvas.height = Math.round(h * scale);
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        var now = Date.now();
        if (found && found.data && (found.data !== last || now - lastAt > Math.max(self.repeatMs, 1000))) {
          last = found.data;
          lastAt = now;
          self.scan(found.data);
        }
      }
      requestAnimationFrame(tick);
    }

    button.addEventListener("click", function () {
      if (stream) { stop(); return; }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s;
          self.cameraOn = true;
          if (document.activeElement && document.activeElement.blur) { document.activeElement.blur(); }
          video.srcObject = s;
          video.hidden = false;
          button.textContent = T.cameraStop;
          message.textContent = T.cameraHold;
          return video.play();
        })
        .then(function () { requestAnimationFrame(tick); })
        .catch(function (err) {
          stop();
          message.textContent = say("cameraMissing", { error: err && err.name ? err.name : "error" });
        });
    });
  };

  // --- organisers' live counts -----------------------------------------------------------

  function liveCounts(table) {
    readTexts(table);
    var updated = document.getElementById("counts-updated");
    function refresh() {
      if (document.hidden) { return; }
      fetch(table.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(); } return r.json(); })
        .then(function (data) {
          data.checkpoints.forEach(function (row) {
            var tr = table.querySelector("tr[data-checkpoint='" + row.checkpoint + "']");
            if (!tr) { return; }
            ["people", "total", "denied", "last_text"].forEach(function (field) {
              var cell = tr.querySelector("[data-field='" + field + "']");
              if (cell) { cell.textContent = row[field]; }
            });
          });
          if (updated) { updated.textContent = say("updated", { time: new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }) }); }
        })
        .catch(function () { /* keep the last numbers */ });
    }
    setInterval(refresh, 15000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("scanner");
    if (root) { new Scanner(root).start(); }
    var counts = document.getElementById("checkin-counts");
    if (counts) { liveCounts(counts); }
  });
}());
