/* Live chat: the customer's or visitor's widget and the agent console.
   Plain JS, no build. Message text is always inserted with textContent (never as HTML). */
(function () {
  "use strict";

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function wsUrl(path) {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  }
  function post(url, data) {
    return fetch(url, { method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "X-Requested-With": "fetch" } });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function fmt(s, vars) { return s.replace(/%\((\w+)\)s/g, function (_m, k) { return vars[k]; }); }

  /* A socket that reconnects with a growing pause; `onopen` runs at every (re)connect. */
  function Socket(path, handlers) {
    var self = this, pause = 500, pending = [];
    // Messages typed while (re)connecting wait and go out once the socket is open.
    self.send = function (obj, keep) {
      if (self.ws && self.ws.readyState === 1) { self.ws.send(JSON.stringify(obj)); return true; }
      if (keep) { pending.push(obj); return true; }
      return false;
    };
    function connect() {
      var ws = new WebSocket(wsUrl(path));
      self.ws = ws;
      ws.onopen = function () {
        pause = 500;
        handlers.open && handlers.open();
        pending.splice(0).forEach(function (obj) { ws.send(JSON.stringify(obj)); });
      };
      ws.onmessage = function (ev) { handlers.frame(JSON.parse(ev.data)); };
      ws.onclose = function (ev) {
        handlers.close && handlers.close(ev.code);
        if (ev.code === 4404 || ev.code === 4403) return;  // not ours: do not knock again
        setTimeout(connect, pause);
        pause = Math.min(pause * 2, 10000);
      };
    }
    connect();
  }

  /* One message as a list item; `mine` are the author kinds of this side (ticks on them). */
  function messageItem(m, mine, readId) {
    var li = el("li", "chat-msg from-" + m.author_kind);
    li.dataset.id = m.id;
    if (m.author_kind !== "system" && m.author) li.appendChild(el("span", "chat-who", m.author));
    if (m.body) li.appendChild(el("span", "chat-body", m.body));
    if (m.image) {
      var a = el("a", "chat-image"); a.href = m.image; a.target = "_blank"; a.rel = "noopener";
      var img = el("img"); img.src = m.image; img.alt = ""; img.loading = "lazy";
      a.appendChild(img); li.appendChild(a);
    }
    var t = el("span", "chat-time", m.time);
    if (mine.indexOf(m.author_kind) >= 0) {
      li.classList.add("mine");
      t.appendChild(el("span", "chat-ticks", m.id <= readId ? "✓✓" : "✓"));
      if (m.id <= readId) li.classList.add("read");
    }
    li.appendChild(t);
    return li;
  }
  function markTicks(log, upTo) {
    log.querySelectorAll("li.mine").forEach(function (li) {
      if (+li.dataset.id <= upTo) { li.classList.add("read"); li.querySelector(".chat-ticks").textContent = "✓✓"; }
    });
  }
  function addMessage(log, m, mine, readId) {
    if (log.querySelector('li[data-id="' + m.id + '"]')) return;
    log.appendChild(messageItem(m, mine, readId));
    log.scrollTop = log.scrollHeight;
  }
  function uploadImage(url, input, errorBox, extra) {
    var file = input.files[0];
    if (!file) return;
    var data = new FormData();
    data.append("image", file);
    Object.keys(extra || {}).forEach(function (k) { data.append(k, extra[k]); });
    post(url, data).then(function (r) { return r.json(); }).then(function (d) {
      errorBox.textContent = d.fields && d.fields.image ? d.fields.image.join(" ") : (d.code && d.message) || "";
    });
    input.value = "";
  }
  function typingShow(box) {
    box.hidden = false;
    clearTimeout(box._t);
    box._t = setTimeout(function () { box.hidden = true; }, 3000);
  }

  /* ---------------- customer / visitor ---------------- */
  function initPanel(panel) {
    var mode = panel.dataset.mode;
    var form = panel.querySelector("form.chat-identify, form.chat-offline-form");
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        post(form.action, new FormData(form)).then(function (r) { return r.text(); }).then(function (html) {
          var box = document.createElement("div");
          box.innerHTML = html;  // our own server-rendered, escaped fragment
          var fresh = box.firstElementChild;
          panel.replaceWith(fresh);
          initPanel(fresh);
        });
      });
    }
    if (mode !== "chat") return;
    var log = panel.querySelector(".chat-log");
    var typing = panel.querySelector(".chat-typing");
    var status = panel.querySelector(".chat-status");
    var err = panel.querySelector(".chat-error");
    var compose = panel.querySelector(".chat-compose");
    var text = compose.querySelector("textarea");
    var file = compose.querySelector("input[type=file]");
    var mine = ["customer", "visitor"];
    var agentRead = +(panel.dataset.agentRead || 0);
    var lastTyping = 0;
    log.scrollTop = log.scrollHeight;

    function showStatus(st) {
      status.textContent = st === "closed" ? panel.dataset.tClosed
        : (st === "waiting" && log.querySelector("li") ? panel.dataset.tWaiting : "");
    }
    function readAll() {
      var last = log.querySelector("li:last-child");
      if (last && !document.hidden) sock.send({ action: "read", message: +last.dataset.id });
    }
    var sock = new Socket(panel.dataset.ws, {
      open: function () { status.textContent = ""; },
      close: function () { status.textContent = panel.dataset.tLost; },
      frame: function (f) {
        if (f.event === "history") {
          agentRead = f.conversation.agent_read;
          log.textContent = "";
          f.messages.forEach(function (m) { addMessage(log, m, mine, agentRead); });
          panel.dataset.conversation = f.conversation.id;
          showStatus(f.conversation.status);
          readAll();
        } else if (f.event === "message") {
          addMessage(log, f.message, mine, agentRead);
          typing.hidden = true;
          if (f.message.author_kind === "agent") status.textContent = "";
          else if (mine.indexOf(f.message.author_kind) >= 0 && !status.textContent && !log.querySelector(".from-agent")) showStatus("waiting");
          if (mine.indexOf(f.message.author_kind) < 0) readAll();
        } else if (f.event === "typing" && f.who === "agent") {
          typingShow(typing);
        } else if (f.event === "read" && f.side === "agent") {
          agentRead = f.message; markTicks(log, agentRead);
        } else if (f.event === "conversation") {
          showStatus(f.conversation.status);
        } else if (f.event === "error") {
          err.textContent = f.code === "rate_limited" ? panel.dataset.tRate : (f.message || f.code);
        }
      }
    });
    function send() {
      var body = text.value.trim();
      if (!body) return;
      if (sock.send({ action: "message", body: body }, true)) { text.value = ""; err.textContent = ""; }
    }
    compose.addEventListener("submit", function (ev) { ev.preventDefault(); send(); });
    text.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); send(); }
    });
    text.addEventListener("input", function () {
      if (Date.now() - lastTyping > 2000) { lastTyping = Date.now(); sock.send({ action: "typing" }); }
    });
    file.addEventListener("change", function () { uploadImage(panel.dataset.upload, file, err); });
    document.addEventListener("visibilitychange", readAll);
  }

  function initWidget(widget) {
    var fab = widget.querySelector(".chat-fab"), box = widget.querySelector(".chat-box");
    var body = widget.querySelector(".chat-box-body"), loaded = false;
    function toggle(open) {
      box.hidden = !open;
      fab.setAttribute("aria-expanded", open ? "true" : "false");
      widget.classList.toggle("open", open);
      if (open && !loaded) {
        loaded = true;
        fetch(widget.dataset.panel, { credentials: "same-origin" }).then(function (r) { return r.text(); })
          .then(function (html) {
            body.innerHTML = html;  // our own server-rendered, escaped fragment
            var panel = body.querySelector(".chat-panel");
            if (panel) initPanel(panel);
          });
      }
    }
    fab.addEventListener("click", function () { toggle(box.hidden); });
    widget.querySelector(".chat-close").addEventListener("click", function () { toggle(false); });
  }

  /* ---------------- agent console ---------------- */
  function initConsole(root) {
    var T = JSON.parse(document.getElementById("console-text").textContent);
    var canned = JSON.parse(document.getElementById("canned-replies").textContent);
    var base = root.dataset.base, me = +root.dataset.me;
    var thread = root.querySelector(".console-thread"), empty = root.querySelector(".console-empty");
    var log = thread.querySelector(".chat-log"), typing = thread.querySelector(".chat-typing");
    var err = thread.querySelector(".chat-error"), compose = thread.querySelector(".chat-compose");
    var text = compose.querySelector("textarea"), file = compose.querySelector("input[type=file]");
    var ctxBox = root.querySelector(".console-context"), conn = root.querySelector(".console-conn");
    var cannedBox = thread.querySelector(".canned"), cannedList = thread.querySelector(".canned-list");
    var pick = thread.querySelector(".canned-pick");
    var current = null, conv = null, customerRead = 0, skew = 0, rows = {}, lastTyping = 0, reloadT = null;

    function sendFrame(obj) { return sock.send(obj); }
    function waitingText(row) {
      var secs = row.waiting_since ? (Date.now() - skew - Date.parse(row.waiting_since)) / 1000 : 0;
      return fmt(T.waiting, { n: Math.max(0, Math.floor(secs / 60)) });
    }
    function renderList(name, list) {
      var ul = root.querySelector('[data-list="' + name + '"]');
      root.querySelector('[data-count="' + name + '"]') &&
        (root.querySelector('[data-count="' + name + '"]').textContent = list.length);
      if (name === "others") root.querySelector("[data-others-box]").hidden = !list.length;
      if (!list.length) { ul.querySelectorAll("li:not(.empty)").forEach(function (li) { li.remove(); });
        var e = ul.querySelector(".empty"); if (e) e.hidden = false; return; }
      var keepEmpty = ul.querySelector(".empty");
      ul.textContent = "";
      if (keepEmpty) { keepEmpty.hidden = true; ul.appendChild(keepEmpty); }
      list.forEach(function (row) {
        rows[row.id] = row;
        var li = el("li", "conv-item" + (row.id === current ? " on" : "") + (row.unread ? " unread" : ""));
        var b = el("button"); b.type = "button"; b.dataset.conversation = row.id;
        b.appendChild(el("strong", null, row.name));
        if (row.customer) b.appendChild(el("span", "mono small", " " + row.customer));
        b.appendChild(el("span", "conv-preview small muted", row.preview));
        var meta = el("span", "conv-meta small");
        if (name === "waiting") { meta.classList.add("conv-wait"); meta.dataset.since = row.waiting_since; meta.textContent = waitingText(row); }
        else if (name === "others") meta.textContent = fmt(T.claimed, { name: row.claimed_by_name });
        b.appendChild(meta);
        b.addEventListener("click", function () { select(row.id); });
        li.appendChild(b); ul.appendChild(li);
      });
    }
    function loadQueue() {
      fetch(root.dataset.queue, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
        skew = Date.now() - Date.parse(d.now);
        renderList("waiting", d.waiting); renderList("mine", d.mine); renderList("others", d.others);
      });
    }
    function soonQueue() { clearTimeout(reloadT); reloadT = setTimeout(loadQueue, 150); }
    setInterval(function () {  // the live "waiting N min" counters
      root.querySelectorAll(".conv-wait").forEach(function (m) { m.textContent = waitingText({ waiting_since: m.dataset.since }); });
    }, 15000);

    function header() {
      thread.querySelector(".console-name").textContent = conv.name + (conv.customer ? " · " + conv.customer : "");
      var st = thread.querySelector(".console-status");
      st.textContent = T[conv.status + "_status"] || conv.status;
      st.className = "badge console-status status-" + conv.status;
      var claim = thread.querySelector('[data-act="claim"]');
      claim.hidden = conv.status !== "waiting";
      thread.querySelector('[data-act="close"]').hidden = conv.status === "closed";
      var canWrite = conv.status === "active" && conv.claimed_by === me;
      compose.querySelectorAll("textarea, button, input").forEach(function (x) { x.disabled = !canWrite; });
    }
    function select(id) {
      if (current && current !== id) sendFrame({ action: "leave", conversation: current });
      current = id; err.textContent = "";
      root.querySelectorAll(".conv-item").forEach(function (li) {
        li.classList.toggle("on", +li.querySelector("button").dataset.conversation === id);
      });
      empty.hidden = true; thread.hidden = false;
      root.classList.add("has-thread");
      if (window.innerWidth < 1000) thread.scrollIntoView({ block: "start" });  // stacked on a phone
      sendFrame({ action: "open", conversation: id });
      loadContext();
    }
    function loadContext() {
      fetch(base + current + "/context/", { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
        ctxBox.innerHTML = html;  // our own server-rendered, escaped fragment
        wireContext();
      });
    }
    function showErrors(form, fields) {
      form.querySelectorAll("[data-errors]").forEach(function (ul) {
        ul.textContent = "";
        (fields[ul.dataset.errors] || []).forEach(function (m) { ul.appendChild(el("li", null, m)); });
      });
    }
    function wireContext() {
      var kind = ctxBox.querySelector('select[name="kind"]'), cf = ctxBox.querySelector(".ctx-complaint");
      if (kind) kind.addEventListener("change", function () { cf.hidden = kind.value !== "complaint"; });
      ctxBox.querySelectorAll("form[data-form]").forEach(function (form) {
        form.addEventListener("submit", function (ev) {
          ev.preventDefault();
          var what = form.dataset.form;
          post(base + current + "/" + what + "/", new FormData(form)).then(function (r) {
            return r.json().then(function (d) { return { ok: r.ok, d: d }; });
          }).then(function (res) {
            showErrors(form, res.ok ? {} : (res.d.fields || {}));
            if (!res.ok && !Object.keys(res.d.fields || {}).length) err.textContent = res.d.message;
            if (res.ok && what === "ticket") {
              var done = form.querySelector("[data-ticket-done]");
              done.hidden = false; done.textContent = fmt(T.ticket, { n: res.d.number });
            }
            if (res.ok && what === "transfer") { loadQueue(); loadContext(); }
          });
        });
      });
    }
    thread.querySelectorAll("[data-act]").forEach(function (b) {
      b.addEventListener("click", function () {
        post(base + current + "/" + b.dataset.act + "/", new FormData()).then(function (r) {
          return r.json().then(function (d) { return { ok: r.ok, d: d }; });
        }).then(function (res) {
          if (!res.ok) { err.textContent = res.d.message; return; }
          conv = res.d.conversation; header(); loadQueue();
          sendFrame({ action: "open", conversation: current });
          if (b.dataset.act === "claim") text.focus();
        });
      });
    });

    function readAll() {
      var last = log.querySelector("li:last-child");
      if (current && last && conv && conv.claimed_by === me) sendFrame({ action: "read", conversation: current, message: +last.dataset.id });
    }
    var sock = new Socket(root.dataset.ws, {
      open: function () { conn.textContent = T.online; loadQueue(); if (current) sendFrame({ action: "open", conversation: current }); },
      close: function () { conn.textContent = T.offline; },
      frame: function (f) {
        if (f.event === "history" && f.conversation.id === current) {
          conv = f.conversation; customerRead = conv.customer_read; header();
          log.textContent = "";
          f.messages.forEach(function (m) { addMessage(log, m, ["agent"], customerRead); });
          readAll();
        } else if (f.event === "message") {
          if (f.message.conversation === current) { addMessage(log, f.message, ["agent"], customerRead); typing.hidden = true; readAll(); }
          else soonQueue();
        } else if (f.event === "queue") {
          soonQueue();
        } else if (f.event === "conversation") {
          soonQueue();
          if (f.conversation.id === current) { conv = f.conversation; header(); }
        } else if (f.event === "typing" && f.conversation === current && f.who === "customer") {
          typingShow(typing);
        } else if (f.event === "read" && f.conversation === current && f.side === "customer") {
          customerRead = f.message; markTicks(log, customerRead);
        } else if (f.event === "error") {
          err.textContent = f.code === "rate_limited" ? T.rate_limited : (f.message || f.code);
        }
      }
    });

    // Canned replies: "/shortcut" in the box, or the picker; the text in the conversation's language.
    function cannedText(c) { return (conv && conv.language === "en") ? c.en : c.id; }
    function insertCanned(c) { text.value = cannedText(c); cannedBox.hidden = true; text.focus(); }
    function matches() {
      var v = text.value;
      if (v.charAt(0) !== "/" || v.indexOf(" ") >= 0) return [];
      var q = v.slice(1).toLowerCase();
      return canned.filter(function (c) { return c.shortcut.toLowerCase().indexOf(q) === 0; });
    }
    text.addEventListener("input", function () {
      var found = matches();
      cannedList.textContent = "";
      found.forEach(function (c) {
        var li = el("li"), b = el("button", "link", "/" + c.shortcut + " · " + c.title);
        b.type = "button"; b.addEventListener("click", function () { insertCanned(c); });
        li.appendChild(b); cannedList.appendChild(li);
      });
      cannedBox.hidden = !found.length;
      if (current && Date.now() - lastTyping > 2000) { lastTyping = Date.now(); sendFrame({ action: "typing", conversation: current }); }
    });
    pick.addEventListener("change", function () {
      var c = canned.filter(function (x) { return x.shortcut === pick.value; })[0];
      if (c) insertCanned(c);
      pick.value = "";
    });
    function send() {
      var found = matches();
      if (found.length) { insertCanned(found[0]); return; }  // "/salam" + Enter inserts, a second Enter sends
      var body = text.value.trim();
      if (!body || !current) return;
      if (sock.send({ action: "message", conversation: current, body: body }, true)) { text.value = ""; err.textContent = ""; }
    }
    compose.addEventListener("submit", function (ev) { ev.preventDefault(); send(); });
    text.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); send(); }
    });
    file.addEventListener("change", function () { uploadImage(base + current + "/upload/", file, err); });
  }

  function boot() {
    document.querySelectorAll(".chat-widget").forEach(initWidget);
    document.querySelectorAll(".chat-page .chat-panel").forEach(initPanel);
    document.querySelectorAll(".chat-console").forEach(initConsole);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
