/* talkseek pages, enhanced: every link works without this file.
 *  - "/" focuses the search box from anywhere;
 *  - on results, a moment opens the talk page at that second (plain links open YouTube),
 *    and "Copy link" copies the link to the talk page at that second;
 *  - on a talk page, timestamps seek the embedded player without reloading, the passage
 *    being played is followed, and a find box searches the notes and transcript.
 */
(function () {
  "use strict";

  var PLAYING = 1;

  function isTyping(target) {
    return target && target.closest && target.closest("input, textarea, select, [contenteditable]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
      return;
    }
    var box = document.getElementById("q");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });

  document.querySelectorAll("a[data-talk-href]").forEach(function (link) {
    link.href = link.getAttribute("data-talk-href");
  });

  /* "Copy link" copies the talk page at the moment (without JavaScript it is that link) */
  document.querySelectorAll("a.copy-link").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!navigator.clipboard) { return; }
      event.preventDefault();
      navigator.clipboard.writeText(link.href).then(function () {
        link.textContent = "Copied";
        link.classList.add("copied");
        setTimeout(function () { link.textContent = "Copy link"; link.classList.remove("copied"); }, 2000);
      }, function () { window.location.href = link.href; });
    });
  });

  /* -- following the passage being played ------------------------------------------ */

  var passages = Array.prototype.slice.call(document.querySelectorAll(".passage[data-start]"));

  function markPassage(videoId, seconds, scroll) {
    /* passages overlap a little: the one playing is the last to have started */
    var found = null;
    passages.forEach(function (item) {
      if (item.getAttribute("data-video") === videoId &&
          parseFloat(item.getAttribute("data-start")) <= seconds &&
          seconds < parseFloat(item.getAttribute("data-end"))) {
        found = item;
      }
    });
    passages.forEach(function (item) {
      item.classList.toggle("now", item === found);
      if (item === found) {
        item.setAttribute("aria-current", "true");
      } else {
        item.removeAttribute("aria-current");
      }
    });
    if (found && scroll) { scrollIntoList(found); }
    return found;
  }

  function scrollIntoList(item) {
    var list = item.parentElement;
    var top = item.offsetTop - list.offsetTop;
    if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - item.offsetHeight) {
      list.scrollTop = Math.max(0, top - list.clientHeight / 3);
    }
  }

  /* -- the player ------------------------------------------------------------------- */

  function setUpPlayer(frame) {
    var player = null;
    var ready = false;
    var timer = null;
    var videoId = frame.getAttribute("data-video-id");
    var start = parseFloat(frame.getAttribute("data-start")) || 0;
    var state = document.getElementById("player-state");
    var watchLink = document.getElementById("watch-link");

    function follow() {
      if (!ready || typeof player.getCurrentTime !== "function") { return; }
      markPassage(videoId, player.getCurrentTime(), true);
    }

    function setFollowing(on) {
      if (timer) { clearInterval(timer); timer = null; }
      if (on) { timer = setInterval(follow, 500); follow(); }
    }

    window.onYouTubeIframeAPIReady = function () {
      player = new window.YT.Player(frame.id, {
        events: {
          onReady: function () {
            ready = true;
            document.body.classList.add("player-ready");
            if (state) { state.textContent = ""; }
            if (start > 0) { player.seekTo(start, true); }
          },
          onStateChange: function (event) { setFollowing(event.data === PLAYING); }
        }
      });
    };
    var script = document.createElement("script");
    script.src = "https://www.youtube.com/iframe_api";
    script.async = true;
    script.onerror = function () {
      if (state) { state.textContent = "The player could not load; timestamps open YouTube."; }
    };
    document.head.appendChild(script);

    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[data-seek]");
      if (!link || !ready || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
        return;  /* no player yet: the link opens YouTube at the second */
      }
      event.preventDefault();
      var seconds = parseFloat(link.getAttribute("data-seek")) || 0;
      var target = link.getAttribute("data-video") || videoId;
      if (target !== videoId) {
        player.loadVideoById({ videoId: target, startSeconds: seconds });
        videoId = target;
      } else {
        player.seekTo(seconds, true);
        player.playVideo();
      }
      markPassage(videoId, seconds, false);
      if (watchLink) { watchLink.href = link.href; }
      var url = new URL(window.location.href);
      url.searchParams.set("t", String(Math.floor(seconds)));
      url.searchParams.set("v", videoId);
      window.history.replaceState(null, "", url);
    });

    var current = document.querySelector(".passage.now");
    if (current) { scrollIntoList(current); }
  }

  var frame = document.getElementById("player");
  if (frame) { setUpPlayer(frame); }

  /* -- find in the talk ------------------------------------------------------------- */

  var findForm = document.getElementById("find");
  if (!findForm) { return; }
  var input = document.getElementById("find-text");
  var count = document.getElementById("find-count");
  var texts = Array.prototype.slice.call(document.querySelectorAll(".findable"));
  var originals = texts.map(function (el) { return el.textContent; });
  // as served: the words of the search that led here stay marked once a find is cleared
  var served = texts.map(function (el) { return el.innerHTML; });
  var marks = [];
  var currentMark = -1;
  findForm.hidden = false;

  function clearMarks() {
    texts.forEach(function (el, i) {
      if (el.querySelector("mark.found")) { el.innerHTML = served[i]; }
    });
    Array.prototype.forEach.call(document.querySelectorAll("mark.found-current"), function (m) {
      m.classList.remove("found-current");
    });
    marks = [];
    currentMark = -1;
  }

  // with nothing typed, the arrows step through the words of the search that led here
  function servedMarks() {
    return Array.prototype.slice.call(document.querySelectorAll(".findable mark:not(.found)"));
  }

  function highlight(needle) {
    clearMarks();
    if (needle.length < 2) { count.textContent = ""; return; }
    var lower = needle.toLowerCase();
    texts.forEach(function (el, i) {
      var text = originals[i];
      var haystack = text.toLowerCase();
      var at = haystack.indexOf(lower);
      if (at < 0) { return; }
      var fragment = document.createDocumentFragment();
      var cursor = 0;
      while (at >= 0) {
        fragment.appendChild(document.createTextNode(text.slice(cursor, at)));
        var mark = document.createElement("mark");
        mark.className = "found";
        mark.textContent = text.slice(at, at + needle.length);
        fragment.appendChild(mark);
        marks.push(mark);
        cursor = at + needle.length;
        at = haystack.indexOf(lower, cursor);
      }
      fragment.appendChild(document.createTextNode(text.slice(cursor)));
      el.textContent = "";
      el.appendChild(fragment);
    });
    count.textContent = marks.length ? marks.length + " found" : "not found";
  }

  function step(direction) {
    if (!marks.length && !input.value.trim()) { marks = servedMarks(); }
    if (!marks.length) { return; }
    if (currentMark >= 0) { marks[currentMark].classList.remove("found-current"); }
    currentMark = (currentMark + direction + marks.length) % marks.length;
    var mark = marks[currentMark];
    mark.classList.add("found-current");
    mark.scrollIntoView({ block: "center" });
    count.textContent = (currentMark + 1) + " of " + marks.length;
  }

  input.addEventListener("input", function () { highlight(input.value.trim()); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); step(event.shiftKey ? -1 : 1); }
    if (event.key === "Escape") { input.value = ""; clearMarks(); count.textContent = ""; }
  });
  findForm.addEventListener("submit", function (event) { event.preventDefault(); step(1); });
  document.getElementById("find-next").addEventListener("click", function () { step(1); });
  document.getElementById("find-previous").addEventListener("click", function () { step(-1); });
}());
