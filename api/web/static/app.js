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
