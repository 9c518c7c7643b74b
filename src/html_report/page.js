(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("nerkit-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var sysSel = $("eb-system"), typeSel = $("eb-type"), classes = $("eb-classes");
  var body = $("eb-rows"), count = $("eb-count"), more = $("eb-more");
  var state = { system: 0, type: "", cls: "", limit: 100 };
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function option(value, text) { var o = el("option", "", text); o.value = value; return o; }
  // An error: [class, sentence, gold line, pred line, context start, tokens, gold, pred],
  // an entity: [label index, start, end, class].
  function side(x, ents) {
    var td = el("td", "s"), start = x[4], toks = x[5], k = 0;
    if (start > 0) td.appendChild(document.createTextNode("\u2026 "));
    while (k < toks.length) {
      var at = start + k, ent = null;
      for (var j = 0; j < ents.length; j++) if (ents[j][1] === at) ent = ents[j];
      if (ent) {
        var m = el("mark", "e c" + (ent[0] % 12) + (ent[3] === "correct" ? "" : " bad"));
        m.title = D.labels[ent[0]] + " (" + ent[3] + ")";
        var end = Math.min(ent[2] - start, toks.length);
        m.appendChild(document.createTextNode(toks.slice(k, end).join(" ")));
        m.appendChild(el("small", "", D.labels[ent[0]]));
        td.appendChild(m);
        td.appendChild(document.createTextNode(" "));
        k = Math.max(end, k + 1);
      } else {
        td.appendChild(document.createTextNode(toks[k] + " "));
        k++;
      }
    }
    return td;
  }
  function labelsOf(x) {
    var seen = {};
    x[6].concat(x[7]).forEach(function (e) { seen[D.labels[e[0]]] = 1; });
    return Object.keys(seen);
  }
  function matches(x) {
    if (state.cls && x[0] !== state.cls) return false;
    if (state.type && labelsOf(x).indexOf(state.type) < 0) return false;
    return true;
  }
  function fillFilters() {
    var s = D.systems[state.system], types = {}, cls = {};
    s.errors.forEach(function (x) { cls[x[0]] = (cls[x[0]] || 0) + 1; labelsOf(x).forEach(function (t) { types[t] = 1; }); });
    typeSel.textContent = "";
    typeSel.appendChild(option("", "all types"));
    Object.keys(types).sort().forEach(function (t) { typeSel.appendChild(option(t, t)); });
    classes.textContent = "";
    var names = [""].concat(D.classes.filter(function (c) { return cls[c]; }));
    names.forEach(function (c) {
      var b = el("button", "", c ? c + " (" + cls[c] + ")" : "all classes (" + s.errors.length + ")");
      b.type = "button";
      b.setAttribute("data-class", c);
      b.setAttribute("aria-pressed", c === state.cls ? "true" : "false");
      b.addEventListener("click", function () { state.cls = c; state.limit = 100; fillFilters(); render(); });
      classes.appendChild(b);
    });
    typeSel.value = state.type;
  }
  function render() {
    var s = D.systems[state.system], shown = 0, matched = 0;
    body.textContent = "";
    s.errors.forEach(function (x) {
      if (!matches(x)) return;
      matched++;
      if (shown >= state.limit) return;
      shown++;
      var tr = el("tr");
      tr.setAttribute("data-class", x[0]);
      tr.appendChild(el("td", "", x[0]));
      tr.appendChild(el("td", "", labelsOf(x).join("/")));
      tr.appendChild(side(x, x[6]));
      tr.appendChild(side(x, x[7]));
      var loc = el("td", "loc");
      loc.appendChild(el("div", "", D.gold + ":" + x[2]));
      loc.appendChild(el("div", "", s.name + ":" + x[3]));
      loc.title = "sentence " + x[1];
      tr.appendChild(loc);
      body.appendChild(tr);
    });
    count.textContent = matched + " of the " + s.errors.length + " kept instances match; " + shown + " shown" +
      (s.total > s.errors.length ? " (" + s.total + " found in all, the first " + s.errors.length + " kept)" : "");
    more.hidden = shown >= matched;
  }
  D.systems.forEach(function (s, i) { sysSel.appendChild(option(String(i), s.name)); });
  sysSel.addEventListener("change", function () { state.system = +sysSel.value; state.type = ""; state.cls = ""; state.limit = 100; fillFilters(); render(); });
  typeSel.addEventListener("change", function () { state.type = typeSel.value; state.limit = 100; render(); });
  more.addEventListener("click", function () { state.limit += 200; render(); });
  $("eb-controls").hidden = false;
  fillFilters();
  render();
})();
