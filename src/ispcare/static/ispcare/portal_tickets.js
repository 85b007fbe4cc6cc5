/* The customer's ticket page, live: the ticket's WebSocket (ws/tickets/<pk>/) says that
   something changed, and htmx re-fetches the status, estimate and timeline fragment
   (#ticket-live's hx-get). While the socket is closed, #ticket-live polls every 20 s
   (its hx-trigger reads window.ticketSocketOpen), so the page updates without websockets. */
(function () {
  "use strict";
  window.ticketSocketOpen = false;
  var EVENTS = { "ticket.update": true, "ticket.changed": true };

  function live(box) {
    var path = box.getAttribute("data-ws-path");
    if (!path || !("WebSocket" in window)) return;
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
    var delay = 2000;
    var missed = false; // reconnecting: what changed meanwhile was not announced

    function refresh() {
      if (window.htmx) window.htmx.trigger(box, "ticket-refresh");
    }

    function retry() {
      missed = true;
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 60000);
    }

    function open() {
      var socket;
      try {
        socket = new WebSocket(url);
      } catch (e) {
        retry();
        return;
      }
      socket.onopen = function () {
        window.ticketSocketOpen = true;
        delay = 2000;
        if (missed) refresh();
      };
      socket.onmessage = function (message) {
        var frame;
        try {
          frame = JSON.parse(message.data);
        } catch (e) {
          return;
        }
        if (frame && EVENTS[frame.event]) refresh();
      };
      socket.onclose = function () {
        window.ticketSocketOpen = false;
        retry();
      };
    }

    open();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("ticket-live");
    if (box) live(box);
  });
})();
