// litsift screening workbench: one record at a time, decided with single keys.
// Every piece of record metadata is put in the page with textContent, never as HTML.
// Each decision is posted to the server, which writes it to the reviewer's YAML file and
// the audit log before it answers; only then does the status line say "saved".
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("config").textContent);
  var keys = config.keys;
  var state = null;
  var busy = false;
  var reasonMode = false;
  var progressShown = false;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function marked(tag, segments, cls) {
    var node = el(tag, null, cls);
    (segments || []).forEach(function (seg) {
      if (seg[1]) {
        node.appendChild(el("mark", seg[0], seg[1]));
      } else {
        node.appendChild(document.createTextNode(seg[0]));
      }
    });
    return node;
  }

  function request(method, path, body) {
    var headers = {"Content-Type": "application/json", "X-Litsift-Token": config.token};
    var init = {method: method, headers: headers, credentials: "same-origin"};
    if (body !== undefined) { init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (response) {
      return response.json().then(function (data) {
        data.__status = response.status;
        return data;
      });
    });
  }

  function banner(message, warning) {
    var node = document.getElementById("banner");
    node.textContent = message || "";
    node.className = warning ? "banner warning" : "banner";
    node.hidden = !message;
  }

  function status(message, saved) {
    var node = document.getElementById("status");
    node.textContent = message;
    node.className = saved ? "status saved" : "status";
  }

  function renderCounts(counts) {
    var parts = ["screened " + counts.screened, "included " + counts.include,
      "excluded " + counts.exclude, "maybe " + counts.maybe, "left " + counts.left];
    if (counts["not-retrieved"]) { parts.push("not retrieved " + counts["not-retrieved"]); }
    document.getElementById("counts").textContent = parts.join(" \u00b7 ");
  }

  function renderVotes(votes) {
    var table = el("table", null, "votes");
    var head = el("tr");
    ["reviewer", "decision", "reason", "note"].forEach(function (h) { head.appendChild(el("th", h)); });
    table.appendChild(head);
    votes.forEach(function (v) {
      var row = el("tr");
      row.appendChild(el("td", v.reviewer));
      row.appendChild(el("td", v.decision || "undecided"));
      row.appendChild(el("td", v.reason || ""));
      row.appendChild(el("td", v.note || ""));
      table.appendChild(row);
    });
    return table;
  }

  function renderRecord(record) {
    var box = document.getElementById("record");
    clear(box);
    if (!record) {
      box.appendChild(el("p", config.adjudicator ? "No conflict left to adjudicate." :
        "Nothing left to screen at this stage.", "done"));
      return;
    }
    box.dataset.id = record.id;
    box.appendChild(marked("h2", record.title, "title"));
    if (record.retracted) {
      box.appendChild(el("p", "Retracted: a retraction notice of this article is among the records found.", "retracted"));
    }
    var meta = [record.year, record.venue].filter(function (x) { return x; }).join(" \u00b7 ");
    if (meta) { box.appendChild(el("p", meta, "meta venue")); }
    if (record.authors.length) { box.appendChild(el("p", record.authors.join("; "), "meta authors")); }
    if (record.keywords.length) { box.appendChild(el("p", "keywords: " + record.keywords.join(", "), "meta keywords")); }
    var links = el("p", null, "links");
    record.links.forEach(function (link) {
      var a = el("a", link.label);
      a.href = link.href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      links.appendChild(a);
    });
    box.appendChild(links);
    if (record.abstract && record.abstract.length) {
      box.appendChild(marked("p", record.abstract, "abstract"));
    } else {
      box.appendChild(el("p", "(no abstract)", "abstract missing"));
    }
    if (record.votes) { box.appendChild(renderVotes(record.votes)); }
    var reasons = el("div", null, "reasons");
    reasons.id = "reasons";
    reasons.hidden = !reasonMode;
    reasons.appendChild(el("p", "Exclude: press the number of the reason (Esc to cancel)"));
    var list = el("ol");
    config.reasons.forEach(function (code) { list.appendChild(el("li", code)); });
    reasons.appendChild(list);
    box.appendChild(reasons);
    box.appendChild(el("p", "record " + record.id, "meta id"));
  }

  function render(next) {
    state = next;
    renderCounts(state.counts);
    if (state.error) {
      banner(state.error);
    } else if (state.warnings && state.warnings.length) {
      banner("other files: " + state.warnings[0], true);
    } else {
      banner("");
    }
    renderRecord(state.record);
    if (progressShown) { loadProgress(); }
  }

  function setReasonMode(on) {
    reasonMode = on;
    var node = document.getElementById("reasons");
    if (node) { node.hidden = !on; }
  }

  function act(path, body, started, describe) {
    busy = true;
    status("saving\u2026", false);
    return request("POST", path, body).then(function (data) {
      busy = false;
      if (data.state) { render(data.state); }
      if (data.__status !== 200) {
        banner(data.error || "refused");
        status("not saved: " + (data.error || "refused"), false);
        return;
      }
      status(describe(data.saved), true);
      if (started !== undefined) {
        performance.measure("litsift-decision", {start: started, end: performance.now()});
      }
    }, function (err) {
      busy = false;
      banner("the workbench server does not answer (" + err + "); nothing more was saved");
      status("not saved", false);
    });
  }

  function decide(decision, reason, started) {
    if (!state || !state.record || state.error) {
      if (state && state.error) { banner(state.error); }
      return;
    }
    var noteInput = document.getElementById("note");
    var body = {id: state.record.id, decision: decision, reason: reason || null,
      note: noteInput.value || null};
    setReasonMode(false);
    act("/api/decide", body, started, function (saved) {
      noteInput.value = "";
      return "saved: " + saved.record + " \u2192 " + saved.decision +
        (saved.reason ? " (" + saved.reason + ")" : "") + " in " + saved.file;
    });
  }

  function undo(started) {
    act("/api/undo", {}, started, function (saved) {
      return "undone: " + saved.record + " is undecided again in " + saved.file;
    });
  }

  function skip() {
    if (!state || !state.record) { return; }
    var id = state.record.id;
    act("/api/skip", {id: id}, undefined, function () { return "skipped " + id; });
  }

  function row(table, label, value, cls) {
    var tr = el("tr");
    tr.appendChild(el("th", label));
    tr.appendChild(el("td", value, cls));
    table.appendChild(tr);
  }

  function loadProgress() {
    request("GET", "/api/progress").then(function (data) {
      var body = document.getElementById("progress-body");
      clear(body);
      var table = el("table", null, "votes");
      var c = data.counts;
      row(table, "screened", c.screened);
      row(table, "included", c.include);
      row(table, "excluded", c.exclude);
      row(table, "maybe", c.maybe);
      row(table, "left", c.left);
      if (data.stopping) {
        Object.keys(data.stopping.rows).forEach(function (k) { row(table, k, data.stopping.rows[k]); });
        row(table, "safe to stop", data.stopping.safe_to_stop ? "yes" : "no",
          data.stopping.safe_to_stop ? "safe" : "unsafe");
      } else {
        row(table, "stopping statistic", "none yet (title/abstract decisions needed)");
      }
      body.appendChild(table);
      if (data.blind) {
        body.appendChild(el("p", "Blind review: your own decisions only; agreement between " +
          "reviewers is shown to the adjudicator.", "meta"));
      }
      if (data.agreement.length) {
        var agree = el("table", null, "votes");
        var head = el("tr");
        ["pair", "records", "agreement", "Cohen's kappa"].forEach(function (h) { head.appendChild(el("th", h)); });
        agree.appendChild(head);
        data.agreement.forEach(function (a) {
          var tr = el("tr");
          [a.pair, a.records, a.agreement, a.kappa].forEach(function (v) {
            tr.appendChild(el("td", v === undefined || v === null ? "n/a" : v));
          });
          agree.appendChild(tr);
        });
        body.appendChild(agree);
      }
      body.appendChild(el("p", "ranked " + data.ranked_decisions_ago + " decision(s) ago", "meta"));
      if (data.ranked_decisions_ago > 0 && progressShown) {
        window.setTimeout(function () { if (progressShown) { loadProgress(); } }, 1500);
      }
    });
  }

  function toggleProgress() {
    progressShown = !progressShown;
    document.getElementById("progress").hidden = !progressShown;
    if (progressShown) { loadProgress(); }
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var noteInput = document.getElementById("note");
    if (event.target === noteInput) {
      if (event.key === "Enter") { event.preventDefault(); noteInput.blur(); }
      if (event.key === "Escape") { noteInput.value = ""; noteInput.blur(); }
      return;
    }
    if (busy) { event.preventDefault(); return; }
    var started = performance.now();
    var key = event.key;
    var digit = /^[1-9]$/.test(key) ? Number(key) : 0;
    if (digit && digit <= config.reasons.length) {
      decide("exclude", config.reasons[digit - 1], started);
    } else if (key === "Escape") {
      setReasonMode(false);
    } else if (key === keys.include) {
      decide("include", null, started);
    } else if (key === keys.maybe) {
      decide("maybe", null, started);
    } else if (key === keys.exclude) {
      setReasonMode(true);
    } else if (keys.not_retrieved !== undefined && key === keys.not_retrieved) {
      decide("not-retrieved", null, started);
    } else if (key === keys.undo) {
      undo(started);
    } else if (key === keys.skip) {
      skip();
    } else if (key === keys.note) {
      noteInput.focus();
    } else if (key === keys.progress) {
      toggleProgress();
    } else {
      return;
    }
    event.preventDefault();
  }

  document.addEventListener("keydown", onKey);
  request("GET", "/api/state").then(render, function (err) {
    banner("the workbench server does not answer (" + err + ")");
  });
})();
