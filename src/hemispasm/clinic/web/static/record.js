/* Video pages, made a little friendlier; every page works without this script.
 *
 * 1. On the list of videos: rows of analyses still waiting or running ([data-job-url]) ask the
 *    JSON job route for their state now and then, and show "done" (with a link to the report)
 *    or "failed" (with the reason) without reloading the page.
 * 2. On /me/record (#recorder): a guided recording with the front camera (getUserMedia and
 *    MediaRecorder), a preview, then sending it as the upload form would (FormData with the
 *    csrf_token field first). Without a camera the page's plain file form remains.
 */
(function () {
  "use strict";

  // --- the page's language ----------------------------------------------------------------------

  // The page gives each sentence in its language (<meta name="script-text">, from
  // script_text.py; no inline script under the page policy); English is the key and the fallback.
  // "%(name)s" in a sentence is filled from ``values``.
  var TEXT = (function () {
    var meta = document.querySelector('meta[name="script-text"]');
    try { return meta ? JSON.parse(meta.content) : {}; } catch (ignored) { return {}; }
  }());

  function t(english, values) {
    var text = TEXT[english] || english;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(values[name]));
    });
    return text;
  }

  // --- the state of analyses -------------------------------------------------------------------

  var STATE_TEXT = {
    queued: "Waiting to be analysed",
    running: "Being analysed",
    done: "Done",
    failed: "Failed"
  };
  var POLL_FIRST_MS = 3000;
  var POLL_MAX_MS = 15000;
  var POLL_GIVE_UP_MS = 30 * 60 * 1000;

  function showJob(row, job) {
    var cell = row.querySelector(".job-state");
    if (!cell) return;
    var badge = document.createElement("span");
    badge.className = "job-badge job-" + job.state;
    badge.textContent = STATE_TEXT[job.state] ? t(STATE_TEXT[job.state]) : job.state;
    var parts = [badge];
    if (job.error) {
      var reason = document.createElement("span");
      reason.className = "job-reason";
      reason.textContent = (job.state === "failed" ? t("Reason:") + " " : "") + job.error;
      parts.push(reason);
    }
    if (job.state === "done" && job.video_analysis_id) {
      var link = document.createElement("a");
      link.href = row.getAttribute("data-report-base") + "/" + job.video_analysis_id;
      link.textContent = t("Open the report");
      parts.push(link);
    }
    cell.replaceChildren.apply(cell, parts.reduce(function (all, node) {
      return all.length ? all.concat([document.createTextNode(" "), node]) : [node];
    }, []));
    if (job.state === "done" || job.state === "failed") {
      row.removeAttribute("data-job-url");
    }
  }

  function checkJob(row) {
    var url = row.getAttribute("data-job-url");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) return;
        var seen = row.getAttribute("data-state") + "|" + (row.getAttribute("data-error") || "");
        if (seen !== job.state + "|" + (job.error || "")) {
          row.setAttribute("data-state", job.state);
          row.setAttribute("data-error", job.error || "");
          showJob(row, job);
        }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  function followJobs() {
    if (!window.fetch || !document.querySelector("[data-job-url]")) return;
    var delay = POLL_FIRST_MS;
    var waited = 0;
    function tick() {
      var rows = Array.prototype.slice.call(document.querySelectorAll("[data-job-url]"));
      if (!rows.length || waited > POLL_GIVE_UP_MS || document.hidden) {
        if (rows.length && document.hidden) setTimeout(tick, delay);
        return;
      }
      Promise.all(rows.map(checkJob)).then(function () {
        waited += delay;
        delay = Math.min(Math.round(delay * 1.5), POLL_MAX_MS);
        setTimeout(tick, delay);
      });
    }
    setTimeout(tick, delay);
  }

  // --- recording -------------------------------------------------------------------------------

  var TYPES = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm", "video/mp4"];
  var COUNTDOWN_S = 3;
  var BITS_PER_S = 2500000;

  function recordingType() {
    for (var i = 0; i < TYPES.length; i++) {
      if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(TYPES[i])) return TYPES[i];
    }
    return "";
  }

  function extensionOf(type) {
    if (type.indexOf("mp4") >= 0) return "mp4";
    if (type.indexOf("quicktime") >= 0) return "mov";
    return "webm";
  }

  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }

  function cameraProblem(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      return t("The camera was not allowed. Allow the camera for this site in the browser's settings and try again, or send a video file below.");
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      return t("No camera was found on this device. Please send a video file below instead.");
    }
    if (name === "NotReadableError" || name === "AbortError") {
      return t("The camera is busy, perhaps in another app. Close that app and try again.");
    }
    return t("The camera could not be started here. Please send a video file below instead.");
  }

  function refusal(response, text, maxBytes) {
    // The server answers a refused upload with a page naming the problem (or, for a body far
    // over the limit, with JSON): show that sentence.
    if (response.status === 413) {
      return t("The video is larger than the server accepts (%(mb)s MB). Please record again, a little shorter.",
        { mb: Math.round(maxBytes / 1e6) });
    }
    try {
      var body = JSON.parse(text);
      if (body && body.detail) return t("The video was not accepted:") + " " + body.detail;
    } catch (ignored) { /* not JSON: a page */ }
    var page = new DOMParser().parseFromString(text, "text/html");
    var error = page.querySelector("#file-error") || page.querySelector("main .error, main p");
    var why = error ? error.textContent.trim() : "";
    return t("The video was not accepted (%(status)s)", { status: response.status }) + (why ? ": " + why : ".");
  }

  function csrfToken() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function recorder(root) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
      return; // the plain file form below stays the way to send a video
    }
    root.hidden = false;
    var stage = root.querySelector(".recorder-stage");
    var live = root.querySelector(".recorder-live");
    var preview = root.querySelector(".recorder-preview");
    var count = root.querySelector(".recorder-count");
    var status = root.querySelector(".recorder-status");
    var buttons = {};
    Array.prototype.forEach.call(root.querySelectorAll("[data-action]"), function (b) {
      buttons[b.getAttribute("data-action")] = b;
    });
    var stream = null;
    var media = null;
    var chunks = [];
    var recording = null;
    var ticker = null;
    var startedAt = 0;
    var elapsedS = 0;

    function only(names) {
      Object.keys(buttons).forEach(function (key) {
        buttons[key].hidden = names.indexOf(key) < 0;
        buttons[key].disabled = false;
      });
    }
    function say(text) { status.textContent = text; }

    function cameraOff() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      live.srcObject = null;
      stage.hidden = true;
    }

    function clearRecording() {
      preview.onerror = null;
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.removeAttribute("src");
      preview.hidden = true;
      recording = null;
    }

    function cameraOn() {
      clearRecording();
      only([]);
      say(t("Starting the camera…"));
      navigator.mediaDevices
        .getUserMedia({
          video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
          audio: false
        })
        .then(function (s) {
          stream = s;
          live.srcObject = s;
          stage.hidden = false;
          only(["start"]);
          say(t("Put your whole face inside the oval and look at the camera, then press Start recording."));
          buttons.start.focus();
        })
        .catch(function (error) {
          only(["camera"]);
          say(cameraProblem(error));
        });
    }

    function countdown(left) {
      if (left === 0) {
        begin();
        return;
      }
      count.textContent = String(left);
      say(t("Recording starts in %(seconds)s…", { seconds: left }));
      setTimeout(function () { countdown(left - 1); }, 1000);
    }

    function begin() {
      var minS = Number(root.getAttribute("data-min-s"));
      var maxS = Number(root.getAttribute("data-max-s"));
      var type = recordingType();
      var options = { videoBitsPerSecond: BITS_PER_S };
      if (type) options.mimeType = type;
      try {
        media = new MediaRecorder(stream, options);
      } catch (error) {
        only(["camera"]);
        say(t("Recording is not possible in this browser. Please send a video file below instead."));
        cameraOff();
        return;
      }
      chunks = [];
      media.ondataavailable = function (event) {
        if (event.data && event.data.size) chunks.push(event.data);
      };
      media.onstop = finished;
      media.start(1000);
      startedAt = Date.now();
      elapsedS = 0;
      stage.classList.add("is-recording");
      only(["stop"]);
      buttons.stop.focus();
      count.textContent = clock(0) + " / " + clock(maxS);
      say(t("Recording. Look at the camera and keep your face still."));
      var saidEnough = false;
      ticker = setInterval(function () {
        elapsedS = (Date.now() - startedAt) / 1000;
        count.textContent = clock(elapsedS) + " / " + clock(maxS);
        if (elapsedS >= minS && !saidEnough) {
          saidEnough = true;
          say(t("Recording. You may stop now, or keep still until it stops by itself."));
        }
        if (elapsedS >= maxS) stop();
      }, 200);
    }

    function stopWhenLongEnough() {
      var minS = Number(root.getAttribute("data-min-s"));
      var left = Math.ceil(minS - elapsedS);
      if (left > 0) {
        say(left === 1 ? t("Please keep still a little longer: 1 more second.")
          : t("Please keep still a little longer: %(seconds)s more seconds.", { seconds: left }));
        return;
      }
      stop();
    }

    function stop() {
      clearInterval(ticker);
      ticker = null;
      if (media && media.state !== "inactive") media.stop();
    }

    function finished() {
      stage.classList.remove("is-recording");
      count.textContent = "";
      recording = new Blob(chunks, { type: (media && media.mimeType) || "video/webm" });
      chunks = [];
      cameraOff();
      var done = t("Recorded %(seconds)s seconds.", { seconds: Math.round(elapsedS) }) + " ";
      preview.onerror = function () {
        // A page policy without blob: media (or an odd browser) cannot play it back here; the
        // recording itself is fine and can still be sent.
        preview.hidden = true;
        say(done + t("It cannot be played back on this page, but it can be sent: send it to your clinic, or record again."));
      };
      preview.src = URL.createObjectURL(recording);
      preview.hidden = false;
      only(["send", "again"]);
      say(done + t("Watch it if you like, then send it to your clinic, or record again."));
      buttons.send.focus();
    }

    function send() {
      if (!recording) return;
      var maxBytes = Number(root.getAttribute("data-max-bytes"));
      if (maxBytes && recording.size > maxBytes) {
        say(t("The recording is too large to send (%(mb)s MB). Please record again, a little shorter.",
          { mb: Math.round(recording.size / 1e6) }));
        return;
      }
      var form = new FormData();
      form.append("csrf_token", csrfToken()); // first: the server checks it before the video
      form.append("file", recording, "recording." + extensionOf(recording.type));
      form.append("mirrored", "false"); // the camera's own picture is recorded, not the mirror
      only([]);
      say(t("Sending the video… please keep this page open."));
      fetch(root.getAttribute("data-upload-url"), {
        method: "POST",
        body: form,
        credentials: "same-origin"
      })
        .then(function (response) {
          if (response.ok && response.redirected) {
            say(t("Sent. Opening your videos…"));
            window.location.assign(response.url);
            return null;
          }
          return response.text().then(function (text) {
            only(["send", "again"]);
            say(refusal(response, text, maxBytes));
          });
        })
        .catch(function () {
          only(["send", "again"]);
          say(t("The video could not be sent. Check the connection and press Send again."));
        });
    }

    buttons.camera.addEventListener("click", cameraOn);
    buttons.start.addEventListener("click", function () {
      only([]);
      countdown(COUNTDOWN_S);
    });
    buttons.stop.addEventListener("click", stopWhenLongEnough);
    buttons.send.addEventListener("click", send);
    buttons.again.addEventListener("click", cameraOn);
    window.addEventListener("pagehide", function () {
      stop();
      cameraOff();
    });
  }

  function start() {
    followJobs();
    var root = document.getElementById("recorder");
    if (root) recorder(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
