/* Compassion practice: a little plain JavaScript on top of pages that work without it.
   - The chat posts a reply without reloading, says "The patient is replying…" while it waits,
     keeps the Send button disabled but the typed words in the box, and on any error shows the
     message and keeps what was typed.
   - Forms that may wait for the practice patient (start, finish, step away) say so while they wait. */
(function () {
  "use strict";

  function setText(el, text) { if (el) { el.textContent = text; } }

  // Forms with data-wait: a plain POST and page load, with a visible, announced waiting message.
  document.querySelectorAll("form[data-wait]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      var status = form.querySelector(".wait-status");
      setText(status, form.getAttribute("data-wait"));
      if (button) {
        // Disable after the submit has been dispatched, so the button's own value is still sent.
        window.setTimeout(function () { button.disabled = true; button.setAttribute("aria-disabled", "true"); }, 0);
      }
    });
  });

  var form = document.getElementById("turn-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var textarea = document.getElementById("reply-text");
  var button = document.getElementById("send-button");
  var status = document.getElementById("chat-status");
  var progress = document.getElementById("chat-progress");
  var errorBox = document.getElementById("chat-error");
  var transcript = document.getElementById("transcript");
  var meterBox = document.getElementById("meter-box");
  var endedPanel = document.getElementById("ended-panel");
  var busy = false;
  var slowTimer = null;

  function showError(message) {
    errorBox.innerHTML = "";
    var p = document.createElement("p");
    p.textContent = message;
    errorBox.appendChild(p);
    errorBox.hidden = false;
    textarea.setAttribute("aria-invalid", "true");
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.innerHTML = "";
    textarea.removeAttribute("aria-invalid");
  }

  function waiting(on) {
    busy = on;
    button.disabled = on;
    button.setAttribute("aria-disabled", on ? "true" : "false");
    form.setAttribute("aria-busy", on ? "true" : "false");
    progress.hidden = !on;
    window.clearTimeout(slowTimer);
    if (on) {
      setText(status, "The patient is replying…");
      slowTimer = window.setTimeout(function () {
        setText(status, "Still waiting for the patient. The first reply can take up to a minute while the practice patient gets ready.");
      }, 5000);
    }
  }

  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.hasAttribute("formaction")) { return; }  // step away: a plain post
    event.preventDefault();
    if (busy) { return; }
    if (!textarea.value.trim()) {
      showError("Please type a reply first.");
      textarea.focus();
      return;
    }
    clearError();
    waiting(true);
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    }).then(function (result) {
      waiting(false);
      if (!result.ok) {
        var message = (result.body && result.body.error && result.body.error.message) ||
          "Something went wrong (" + result.status + "). What you typed is kept: try again.";
        if (result.status === 401) { message += " Sign in again in another tab, then press Send: your reply is kept here."; }
        setText(status, "");
        showError(message);
        textarea.focus();
        return;
      }
      var body = result.body;
      var pendingItem = transcript.querySelector("li.turn:last-child .pending-note");
      if (pendingItem) { pendingItem.closest("li.turn").remove(); }
      transcript.insertAdjacentHTML("beforeend", body.turn_html);
      meterBox.innerHTML = body.meter_html;
      textarea.value = "";
      setText(status, body.patient_said ? "The patient replied: " + body.patient_said : "The patient replied.");
      var added = transcript.lastElementChild;
      if (added && added.scrollIntoView) { added.scrollIntoView({ block: "nearest" }); }
      if (body.ended) {
        form.hidden = true;
        endedPanel.hidden = false;
        endedPanel.focus();
      } else {
        textarea.focus();
      }
    }).catch(function () {
      waiting(false);
      setText(status, "");
      showError("Your reply could not be sent: the connection was lost. What you typed is kept: try again.");
      textarea.focus();
    });
  });
}());

/* Group practice: the live part of the page (#group-live) follows the run over server-sent
   events. Each event carries that part as this viewer may see it, rendered by the server; the
   focused control keeps its focus, a new patient line is announced, and the proposal form shows
   only while proposals are open. Without EventSource (or JavaScript) the page works by reloading. */
(function () {
  "use strict";
  var live = document.getElementById("group-live");
  if (!live || !window.EventSource) { return; }
  var status = document.getElementById("group-status");
  var proposalForm = document.getElementById("proposal-form");
  var state = live.querySelector(".group-state");
  var turns = state ? parseInt(state.getAttribute("data-turns") || "0", 10) : 0;
  var runStatus = state ? state.getAttribute("data-status") : "";
  var refreshNote = document.querySelector(".live-note .hint");
  var source = new EventSource(live.getAttribute("data-events"));

  function say(text) { if (status && text) { status.textContent = text; } }

  source.addEventListener("state", function (event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    var focused = document.activeElement && live.contains(document.activeElement) ? document.activeElement.id : "";
    live.innerHTML = data.html;
    live.setAttribute("data-version", String(data.version));
    if (focused) {
      var again = document.getElementById(focused);
      if (again) { again.focus(); }
    }
    if (proposalForm) { proposalForm.hidden = !data.can_propose; }
    if (data.turns > turns) {
      say(data.patient_said ? "The patient replied: " + data.patient_said : "The group's reply was sent.");
      // A new turn: the reply this member proposed last time is done with; anything else they typed stays.
      var box = document.getElementById("proposal-text");
      if (box && box.value === box.getAttribute("data-proposed")) { box.value = ""; box.setAttribute("data-proposed", ""); }
    } else if (data.status !== runStatus) {
      say(data.status === "paused" ? "The facilitator paused the group practice." :
          data.status === "ended" ? "The group practice has ended." : "The group practice has resumed.");
    }
    turns = data.turns;
    runStatus = data.status;
    if (data.status === "ended") { source.close(); }
  });
  source.addEventListener("gone", function () {
    source.close();
    if (refreshNote) { refreshNote.textContent = "(this group practice is no longer open to you)"; }
  });

  // A vote's time left, counted down on the page (not announced: the deadline is in the text).
  window.setInterval(function () {
    live.querySelectorAll(".vote-countdown").forEach(function (el) {
      var left = Math.max(0, Math.round((Date.parse(el.getAttribute("data-deadline")) - Date.now()) / 1000));
      el.textContent = " (" + left + (left === 1 ? " second" : " seconds") + " left)";
    });
  }, 1000);

  // Forms swapped in by an event: announce the wait as the page's own data-wait forms do.
  live.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-wait")) { return; }
    var wait = form.querySelector(".wait-status");
    if (wait) { wait.textContent = form.getAttribute("data-wait"); }
  });
}());
