/* Stands in for https://www.youtube.com/iframe_api in browser tests: records what the
 * page asks the player to do, and lets the test set the playing time and state. */
(function () {
  "use strict";
  var record = { calls: [], time: 0, element: null, setState: null };
  window.__player = record;
  function Player(element, options) {
    var self = this;
    record.element = element;
    this.seekTo = function (seconds, allowSeekAhead) {
      record.calls.push(["seekTo", seconds, allowSeekAhead]);
      record.time = seconds;
    };
    this.playVideo = function () { record.calls.push(["playVideo"]); };
    this.loadVideoById = function (request) {
      record.calls.push(["loadVideoById", request.videoId, request.startSeconds]);
      record.time = request.startSeconds;
    };
    this.getCurrentTime = function () { return record.time; };
    record.setState = function (state) { options.events.onStateChange({ data: state, target: self }); };
    setTimeout(function () { options.events.onReady({ target: self }); }, 0);
  }
  window.YT = { Player: Player, PlayerState: { PLAYING: 1, PAUSED: 2 } };
  if (typeof window.onYouTubeIframeAPIReady === "function") { window.onYouTubeIframeAPIReady(); }
}());
