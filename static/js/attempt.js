// The attempt page: a countdown (only a display: the server keeps the deadline) and
// autosave of each answer as it changes, retried while the connection is down.
(function () {
  "use strict";
  var configElement = document.getElementById("attempt-config");
  var form = document.getElementById("attempt-form");
  if (!configElement || !form) { return; }
  var config = JSON.parse(configElement.textContent);
  var timer = document.getElementById("attempt-timer");
  var announcer = document.getElementById("timer-announcement");
  var status = document.getElementById("autosave-status");
  // The page gives these texts translated, on the form (see gap-chart.js for why scripts take
  // their texts this way).
  var texts = {
    saved: form.dataset.savedText,
    retrying: form.dataset.retryingText,
    closed: form.dataset.closedText,
    fiveMinutes: form.dataset.fiveMinutesText,
    oneMinute: form.dataset.oneMinuteText
  };
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var endsAt = Date.now() + config.secondsLeft * 1000;
  var submitting = false;

  function pad(number) { return number < 10 ? "0" + number : String(number); }

  function showTime(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    timer.textContent = (hours ? hours + ":" + pad(minutes) : String(minutes)) + ":" + pad(rest);
  }

  function submitNow() {
    if (submitting) { return; }
    submitting = true;
    if (status) { status.textContent = texts.closed; }
    form.action = config.submitUrl;
    form.submit();
  }

  var announced = {};
  function tick() {
    var seconds = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    showTime(seconds);
    if (seconds <= 300 && seconds > 60 && !announced.five) { announced.five = true; announcer.textContent = texts.fiveMinutes; }
    if (seconds <= 60 && seconds > 0 && !announced.one) { announced.one = true; announcer.textContent = texts.oneMinute; timer.classList.add("text-danger"); }
    if (seconds === 0) { submitNow(); return; }
    window.setTimeout(tick, 1000 - (Date.now() % 1000));
  }
  if (timer) { tick(); }

  // Autosave: one request per changed question; failed ones are kept and sent again.
  var pending = {};
  var retryTimer = null;

  function payloadFor(position) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrfInput.value);
    data.append("shown", position);
    var fields = form.querySelectorAll("[name=q" + position + "]");
    Array.prototype.forEach.call(fields, function (field) {
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) { return; }
      data.append("q" + position, field.value);
    });
    return data;
  }

  function scheduleRetry() {
    if (retryTimer === null) {
      retryTimer = window.setTimeout(function () { retryTimer = null; Object.keys(pending).forEach(save); }, 5000);
    }
  }

  function save(position) {
    pending[position] = true;
    fetch(config.answerUrl, {
      method: "POST",
      body: payloadFor(position),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfInput.value }
    }).then(function (response) {
      if (response.status === 409) { window.location.assign(config.resultUrl); return null; }
      return response.json().then(function (body) {
        if (response.ok) {
          delete pending[position];
          if (status && Object.keys(pending).length === 0) { status.textContent = texts.saved + " " + body.savedAt; }
        } else {
          delete pending[position];
          if (status) { status.textContent = body.error || texts.retrying; }
        }
      });
    }).catch(function () {
      if (status) { status.textContent = texts.retrying; }
      scheduleRetry();
    });
  }

  var typingTimers = {};
  function positionOf(element) {
    var fieldset = element.closest("fieldset[data-position]");
    return fieldset ? fieldset.dataset.position : null;
  }
  form.addEventListener("change", function (event) {
    var position = positionOf(event.target);
    if (position) { save(position); }
  });
  form.addEventListener("input", function (event) {
    if (event.target.type !== "text") { return; }
    var position = positionOf(event.target);
    if (!position) { return; }
    window.clearTimeout(typingTimers[position]);
    typingTimers[position] = window.setTimeout(function () { save(position); }, 800);
  });
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("online", function () { Object.keys(pending).forEach(save); });
})();
