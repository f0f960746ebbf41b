/* The schedule editor (templates/review/editor.html): drag or use the keyboard to move and
   resize sessions and to drop accepted talks into sessions. Every move goes to the server,
   which saves it or answers with the conflicts; those are shown on the session and the
   session goes back where it was. Without this script the page links to the forms. */
(function () {
  "use strict";
  var root = document.getElementById("schedule-editor");
  if (!root) { return; }
  var grid = root.querySelector(".editor-grid");
  var rooms = JSON.parse(root.dataset.rooms || "[]");
  var start = new Date(root.dataset.start);
  var slot = parseInt(root.dataset.slot, 10) || 5;
  var pickedTalk = null;

  /* Positions are set here, not in style attributes (the Content-Security-Policy allows no
     inline styles); without the script the grid is a plain list of links. */
  root.classList.add("is-enhanced");
  grid.style.setProperty("--rooms", grid.dataset.roomCount);
  grid.style.setProperty("--slots", grid.dataset.slots);
  grid.querySelectorAll(".editor-room").forEach(function (h) { h.style.gridColumn = h.dataset.col; });
  grid.querySelectorAll(".editor-time").forEach(function (t) { t.style.gridRow = t.dataset.row + " / span 6"; });

  function place(el, row, span, room) {
    el.dataset.row = row; el.dataset.span = span; el.dataset.room = room;
    el.style.gridRow = row + " / span " + span;
    el.style.gridColumn = String(rooms.indexOf(room) + 2);
  }
  function snapshot(el) {
    return { row: +el.dataset.row, span: +el.dataset.span, room: +el.dataset.room };
  }
  function moment(row) { return new Date(start.getTime() + (row - 2) * slot * 60000); }
  function hhmm(date) {
    var parts = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      timeZone: root.dataset.zone || undefined }).format(date);
    return parts;
  }
  function showConflicts(el, message, conflicts, retry) {
    var box = el.querySelector(".editor-conflicts");
    box.textContent = "";
    el.classList.add("has-conflicts");
    var p = document.createElement("p"); p.textContent = message; box.appendChild(p);
    if (conflicts && conflicts.length) {
      var ul = document.createElement("ul");
      conflicts.forEach(function (c) { var li = document.createElement("li"); li.textContent = c; ul.appendChild(li); });
      box.appendChild(ul);
    }
    if (retry) {
      var button = document.createElement("button");
      button.type = "button"; button.className = "button button-secondary";
      button.textContent = root.dataset.forceLabel;
      button.addEventListener("click", retry);
      box.appendChild(button);
    }
  }
  function clearConflicts(el, text) {
    el.classList.remove("has-conflicts");
    el.querySelector(".editor-conflicts").textContent = text || "";
  }
  function post(url, payload) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) { return { status: response.status, body: body }; });
    });
  }
  function sendMove(el, before, force) {
    var now = snapshot(el);
    var payload = { session_id: +el.dataset.session, room_id: now.room,
      starts_at: moment(now.row).toISOString(), ends_at: moment(now.row + now.span).toISOString(), force: !!force };
    return post(root.dataset.moveUrl, payload).then(function (answer) {
      if (answer.status === 200) {
        var when = el.querySelector(".editor-when");
        if (when) { when.textContent = hhmm(moment(now.row)) + "–" + hhmm(moment(now.row + now.span)); }
        clearConflicts(el, root.dataset.savedLabel);
        return;
      }
      place(el, before.row, before.span, before.room);
      var error = answer.body.error || {};
      showConflicts(el, error.message || root.dataset.errorLabel, answer.body.conflicts,
        answer.status === 409 && answer.body.conflicts ? function () {
          place(el, now.row, now.span, now.room); sendMove(el, before, true);
        } : null);
    });
  }
  function sendTalk(el, submission, minutes, force) {
    var payload = { submission_id: +submission, session_id: +el.dataset.session, minutes: +minutes, force: !!force };
    return post(root.dataset.talkUrl, payload).then(function (answer) {
      if (answer.status === 200) { window.location.reload(); return; }
      var error = answer.body.error || {};
      showConflicts(el, error.message || root.dataset.errorLabel, answer.body.conflicts,
        answer.status === 409 && answer.body.conflicts ? function () { sendTalk(el, submission, minutes, true); } : null);
    });
  }

  /* --- the mouse: pointer events for sessions and talks --------------------------------- */
  function cellAt(x, y) {
    var heads = grid.querySelectorAll(".editor-room");
    var room = null;
    heads.forEach(function (h, i) { var r = h.getBoundingClientRect(); if (x >= r.left && x < r.right) { room = rooms[i]; } });
    var head = heads[0].getBoundingClientRect();
    var rowHeight = parseFloat(getComputedStyle(grid).getPropertyValue("--slot-h")) || 12;
    var row = Math.floor((y - head.bottom) / rowHeight) + 2;
    return { room: room, row: Math.max(2, row) };
  }
  grid.querySelectorAll(".editor-session").forEach(function (el) {
    place(el, +el.dataset.row, +el.dataset.span, +el.dataset.room);
    el.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      var resizing = event.target.classList.contains("editor-resize");
      var before = snapshot(el);
      var origin = cellAt(event.clientX, event.clientY);
      var moved = false;
      function onMove(e) {
        var cell = cellAt(e.clientX, e.clientY);
        if (resizing) {
          place(el, before.row, Math.max(1, cell.row - before.row + 1), before.room);
        } else {
          place(el, Math.max(2, before.row + cell.row - origin.row), before.span, cell.room || before.room);
        }
        moved = true;
      }
      function onUp() {
        document.removeEventListener("pointermove", onMove);
        document.removeEventListener("pointerup", onUp);
        var now = snapshot(el);
        if (moved && (now.row !== before.row || now.span !== before.span || now.room !== before.room)) {
          el.dataset.justMoved = "1";
          sendMove(el, before, false);
        }
      }
      event.preventDefault();
      document.addEventListener("pointermove", onMove);
      document.addEventListener("pointerup", onUp);
    });
    el.addEventListener("click", function (event) {
      if (el.dataset.justMoved) { event.preventDefault(); delete el.dataset.justMoved; }
    });
    /* --- the keyboard ---------------------------------------------------------------------- */
    var held = null;
    el.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && pickedTalk) {
        event.preventDefault(); sendTalk(el, pickedTalk.id, pickedTalk.minutes, false); pickedTalk = null; return;
      }
      if (event.key === "Enter" && !held && event.target === el) {
        event.preventDefault(); held = snapshot(el); el.classList.add("is-held");
        clearConflicts(el, root.dataset.pickedLabel); return;
      }
      if (!held) { return; }
      var now = snapshot(el);
      var index = rooms.indexOf(now.room);
      if (event.key === "Enter") { event.preventDefault(); el.classList.remove("is-held"); var b = held; held = null; sendMove(el, b, false); }
      else if (event.key === "Escape") { place(el, held.row, held.span, held.room); el.classList.remove("is-held"); held = null; clearConflicts(el); }
      else if (event.key === "ArrowUp" && event.shiftKey) { place(el, now.row, Math.max(1, now.span - 1), now.room); }
      else if (event.key === "ArrowDown" && event.shiftKey) { place(el, now.row, now.span + 1, now.room); }
      else if (event.key === "ArrowUp") { place(el, Math.max(2, now.row - 1), now.span, now.room); }
      else if (event.key === "ArrowDown") { place(el, now.row + 1, now.span, now.room); }
      else if (event.key === "ArrowLeft" && index > 0) { place(el, now.row, now.span, rooms[index - 1]); }
      else if (event.key === "ArrowRight" && index < rooms.length - 1) { place(el, now.row, now.span, rooms[index + 1]); }
      else { return; }
      event.preventDefault();
    });
  });
  root.querySelectorAll(".editor-talk").forEach(function (talk) {
    talk.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      var moved = false;
      function onMove(e) {
        moved = true;
        talk.classList.add("is-dragged");
        grid.querySelectorAll(".editor-session").forEach(function (s) { s.classList.remove("is-target"); });
        var under = document.elementFromPoint(e.clientX, e.clientY);
        var target = under && under.closest(".editor-session");
        if (target) { target.classList.add("is-target"); }
      }
      function onUp(e) {
        document.removeEventListener("pointermove", onMove);
        document.removeEventListener("pointerup", onUp);
        talk.classList.remove("is-dragged");
        if (!moved) { return; }
        talk.dataset.justMoved = "1";
        var under = document.elementFromPoint(e.clientX, e.clientY);
        var target = under && under.closest(".editor-session");
        if (target) { target.classList.remove("is-target"); sendTalk(target, talk.dataset.submission, talk.dataset.minutes, false); }
      }
      event.preventDefault();
      document.addEventListener("pointermove", onMove);
      document.addEventListener("pointerup", onUp);
    });
    talk.addEventListener("click", function (event) {
      if (talk.dataset.justMoved) { event.preventDefault(); delete talk.dataset.justMoved; }
    });
    talk.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      pickedTalk = { id: talk.dataset.submission, minutes: talk.dataset.minutes };
      talk.setAttribute("aria-pressed", "true");
      var help = document.getElementById("editor-help");
      if (help) { help.setAttribute("data-state", root.dataset.talkPickedLabel); }
      talk.title = root.dataset.talkPickedLabel;
    });
  });
})();
