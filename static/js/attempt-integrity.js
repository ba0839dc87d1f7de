/* Camera-free proctoring on the attempt page.
 *
 * Reports, in batches, what a proctor would want to know: the tab hidden (one event when it
 * comes back, with the seconds away), the window left while the tab stayed visible, copy, cut
 * and paste, leaving full screen (when the assessment asks for it) and the same attempt open
 * in a second tab. Reads {attemptId, eventsUrl, requiresFullscreen} from the #attempt-config
 * JSON, the CSRF token from the page's form, and shows the page's #fullscreen-prompt (with its
 * #fullscreen-button) whenever full screen is asked for and not on. Sends every 5 seconds,
 * when the page is hidden or left (fetch keepalive), and stops for good once the server
 * answers 404 or 409 (not one's attempt, or finished). Reports only: it blocks nothing.
 * Every browser API is optional; without one, that report is simply not made.
 */
(function () {
  "use strict";

  var configElement = document.getElementById("attempt-config");
  if (!configElement) return;
  var config;
  try {
    config = JSON.parse(configElement.textContent);
  } catch (error) {
    return;
  }
  if (!config || !config.eventsUrl) return;

  var BATCH_MAX = 50; // the server refuses larger batches
  var QUEUE_MAX = 500; // kept while the network is down; the oldest go first
  var FLUSH_MS = 5000;
  var HEARTBEAT_MS = 2000;
  var HEARTBEAT_STALE_MS = 6000;
  var labels = config.labels || {};

  var queue = [];
  var stopped = false;
  var leaving = false;
  var inFlight = false;
  var retryAt = 0;
  var timer = null;
  var channel = null;
  var tabId = Math.random().toString(36).slice(2) + Date.now().toString(36);

  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function record(kind, secondsAway) {
    if (stopped || leaving) return;
    var event = { kind: kind, at: new Date().toISOString() };
    if (secondsAway) event.seconds_away = Math.max(0, Math.round(secondsAway));
    queue.push(event);
    if (queue.length > QUEUE_MAX) queue.splice(0, queue.length - QUEUE_MAX);
  }

  function stop() {
    stopped = true;
    queue = [];
    if (timer !== null) window.clearInterval(timer);
    if (channel) {
      try {
        channel.close();
      } catch (error) {
        /* already closed */
      }
    }
  }

  function requeue(batch) {
    queue = batch.concat(queue);
    if (queue.length > QUEUE_MAX) queue.splice(0, queue.length - QUEUE_MAX);
  }

  function send(keepalive) {
    if (stopped || !queue.length || typeof window.fetch !== "function") return;
    if (!keepalive && (inFlight || Date.now() < retryAt)) return;
    var batch = queue.splice(0, BATCH_MAX);
    var request;
    try {
      request = window.fetch(config.eventsUrl, {
        method: "POST",
        credentials: "same-origin",
        keepalive: !!keepalive,
        redirect: "manual", // signed out: the login page's redirect is not a success
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken(),
        },
        body: JSON.stringify({ events: batch }),
      });
    } catch (error) {
      requeue(batch);
      return;
    }
    if (!keepalive) inFlight = true;
    request.then(
      function (response) {
        if (!keepalive) inFlight = false;
        var status = response.status;
        if (status === 404 || status === 409 || status === 403 || response.type === "opaqueredirect") {
          stop(); // not this person's open attempt (any more), or signed out: nothing will be taken
        } else if (status === 429) {
          requeue(batch);
          var seconds = parseInt(response.headers.get("Retry-After"), 10);
          retryAt = Date.now() + (seconds > 0 ? seconds : 60) * 1000;
        } else if (status >= 500) {
          requeue(batch);
        } else if (response.ok && queue.length && !keepalive) {
          send(false); // more waiting: the next batch
        }
        // 400: the batch itself is wrong; sending it again would not help.
      },
      function () {
        if (!keepalive) inFlight = false;
        requeue(batch);
      }
    );
  }

  function sendAll() {
    // keepalive requests may carry 64 KB in all: a few batches are plenty.
    for (var i = 0; i < 4 && queue.length && !stopped; i++) send(true);
  }

  // Tab hidden → visible: one event with the time away. Hidden then left (a submit, a
  // reload, closing the tab) is not an event.
  var hiddenAt = null;
  // Window left while the tab stayed visible (another window, the address bar, …).
  var blurredAt = null;
  var hiddenDuringBlur = false;

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      hiddenAt = Date.now();
      if (blurredAt !== null) hiddenDuringBlur = true;
      sendAll();
    } else if (hiddenAt !== null) {
      record("tab_hidden", (Date.now() - hiddenAt) / 1000);
      hiddenAt = null;
    }
  });

  window.addEventListener("blur", function () {
    blurredAt = Date.now();
    hiddenDuringBlur = document.visibilityState === "hidden";
  });

  window.addEventListener("focus", function () {
    if (blurredAt === null) return;
    var seconds = (Date.now() - blurredAt) / 1000;
    var wasHidden = hiddenDuringBlur || hiddenAt !== null;
    blurredAt = null;
    hiddenDuringBlur = false;
    if (!wasHidden) record("window_blur", seconds); // a tab switch is reported as tab_hidden
  });

  ["copy", "cut", "paste"].forEach(function (kind) {
    document.addEventListener(kind, function () {
      record(kind);
    });
  });

  // Full screen, when the assessment asks for it: browsers allow it only after a click, so
  // the page offers a button, and leaving it is reported.
  function fullscreenElement() {
    return document.fullscreenElement || document.webkitFullscreenElement || null;
  }

  function setUpFullscreen() {
    var root = document.documentElement;
    var requestFullscreen = root.requestFullscreen || root.webkitRequestFullscreen;
    if (!requestFullscreen) return; // e.g. an iPhone: nothing to ask for, nothing to report
    // The page's own prompt (#fullscreen-prompt with #fullscreen-button, in the user's
    // language); a plain button of ours where the page has none but gives its text
    // (labels.returnToFullscreen, translated by the page: no English is written here). With
    // neither, leaving full screen is still reported.
    var button = document.getElementById("fullscreen-button");
    var prompt = document.getElementById("fullscreen-prompt");
    if (!button && labels.returnToFullscreen) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-warning attempt-fullscreen-button";
      button.textContent = labels.returnToFullscreen;
      var form = document.querySelector("form");
      var host = (form && form.parentNode) || document.body;
      host.insertBefore(button, form && form.parentNode === host ? form : host.firstChild);
    }
    var shown = prompt || button;
    var wasFullscreen = !!fullscreenElement();
    if (shown) shown.classList.toggle("d-none", wasFullscreen);

    if (button) button.addEventListener("click", function () {
      try {
        var pending = requestFullscreen.call(root);
        if (pending && typeof pending.catch === "function") pending.catch(function () {});
      } catch (error) {
        /* refused: the prompt stays */
      }
    });

    function changed() {
      var isFullscreen = !!fullscreenElement();
      if (!isFullscreen && wasFullscreen) record("fullscreen_exit");
      wasFullscreen = isFullscreen;
      if (shown) shown.classList.toggle("d-none", isFullscreen);
    }
    document.addEventListener("fullscreenchange", changed);
    document.addEventListener("webkitfullscreenchange", changed);
  }

  if (config.requiresFullscreen) setUpFullscreen();

  // A second tab of the same attempt: tabs greet each other on a BroadcastChannel (or, where
  // there is none, keep a heartbeat in localStorage). Both tabs report.
  var seenTabs = {};

  function otherTab(id) {
    if (!id || id === tabId || seenTabs[id]) return;
    seenTabs[id] = true;
    record("second_tab");
  }

  function setUpChannel() {
    var name = "hc-portal-attempt-" + config.attemptId;
    if (typeof window.BroadcastChannel === "function") {
      try {
        channel = new window.BroadcastChannel(name);
      } catch (error) {
        channel = null;
      }
    }
    if (channel) {
      channel.onmessage = function (message) {
        var data = message.data || {};
        if (!data.tab || data.tab === tabId) return;
        otherTab(data.tab);
        if (data.type === "hello" && !stopped) channel.postMessage({ type: "here", tab: tabId });
      };
      channel.postMessage({ type: "hello", tab: tabId });
      window.addEventListener("pageshow", function (event) {
        if (event.persisted && !stopped) channel.postMessage({ type: "hello", tab: tabId });
      });
      return;
    }
    var storage;
    try {
      storage = window.localStorage;
      storage.setItem(name + "-probe", "1");
      storage.removeItem(name + "-probe");
    } catch (error) {
      return; // no storage (private mode, disabled): no second-tab report
    }
    var key = name + "-tabs";
    function readTabs() {
      try {
        return JSON.parse(storage.getItem(key) || "{}") || {};
      } catch (error) {
        return {};
      }
    }
    function beat() {
      if (stopped) return;
      var tabs = readTabs();
      var now = Date.now();
      Object.keys(tabs).forEach(function (id) {
        if (now - tabs[id] > HEARTBEAT_STALE_MS) delete tabs[id];
        else otherTab(id);
      });
      tabs[tabId] = now;
      try {
        storage.setItem(key, JSON.stringify(tabs));
      } catch (error) {
        /* full: skip this beat */
      }
    }
    beat();
    window.setInterval(beat, HEARTBEAT_MS);
    window.addEventListener("pagehide", function () {
      var tabs = readTabs();
      delete tabs[tabId];
      try {
        storage.setItem(key, JSON.stringify(tabs));
      } catch (error) {
        /* nothing to do */
      }
    });
  }

  setUpChannel();

  // Leaving the page (a submit, a link): what is queued goes now; nothing after counts.
  document.addEventListener(
    "submit",
    function (event) {
      sendAll();
      window.setTimeout(function () {
        if (!event.defaultPrevented) leaving = true; // a real submit, not one the page handles itself
      }, 0);
    },
    true
  );
  window.addEventListener("pagehide", function () {
    sendAll();
    leaving = true;
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) leaving = false; // back from the back-forward cache
  });

  timer = window.setInterval(function () {
    send(false);
  }, FLUSH_MS);
})();
