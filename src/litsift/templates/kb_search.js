/* The knowledge-base search of litsift.kbsearch, run in the browser.
   The studies' weighted term counts come precomputed from Python (the JSON in
   #kb-index); this file repeats only the query side of litsift.textnorm (words, spelling
   folding, stemming, synonyms) and the BM25 ranking. tests/test_textnorm.py runs it under
   node and checks it gives the same words and the same ranking as Python. */
var litsiftSearch = (function () {
  "use strict";
  var ISE = /^(\w{2,}?)is(e|es|ed|ing|er|ers|ation|ations|ational)$/;
  var YSE = /^(\w+?[a-z])ys(e|es|ed|ing|er|ers)$/;
  var VOWELS = "aeiouy";

  function make(data) {
    var stop = {};
    data.stop.forEach(function (w) { stop[w] = true; });
    var iseWords = {};
    data.ise_words.forEach(function (w) { iseWords[w] = true; });

    function words(text) {
      if (!text) { return []; }
      text = text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
      return text.split(/[^0-9a-z]+/).filter(function (w) { return w.length > 0; });
    }
    function foldSpelling(word) {
      if (Object.prototype.hasOwnProperty.call(data.british, word)) { return data.british[word]; }
      var m = ISE.exec(word);
      if (m && !iseWords[m[1] + "ise"] && m[1].slice(-1) !== "w") { return m[1] + "iz" + m[2]; }
      m = YSE.exec(word);
      if (m && /(al|ar|ol)$/.test(m[1])) { return m[1] + "yz" + m[2]; }
      return word;
    }
    function undouble(base) {
      var last = base.slice(-1);
      if (base.length >= 4 && last === base.slice(-2, -1) && "lszaeiou".indexOf(last) < 0) {
        return base.slice(0, -1);
      }
      return base;
    }
    function endsWith(word, suffix) { return word.slice(-suffix.length) === suffix; }
    function stem(word) {
      word = foldSpelling(word);
      if (word.length <= 3 || !/^[a-z]+$/.test(word)) { return word; }
      if (endsWith(word, "ies") && word.length > 4) {
        word = word.slice(0, -3) + "y";
      } else if (endsWith(word, "sses")) {
        word = word.slice(0, -2);
      } else if (endsWith(word, "s") && !endsWith(word, "ss") && !endsWith(word, "us") &&
                 !endsWith(word, "is")) {
        word = word.slice(0, -1);
      }
      var iz = ["ization", "izing", "ized", "izer", "ize"];
      for (var i = 0; i < iz.length; i++) {
        if (endsWith(word, iz[i]) && word.length - iz[i].length >= 3) {
          return word.slice(0, -iz[i].length) + "iz";
        }
      }
      var tails = [["ing", 3], ["ed", 4]];
      for (var j = 0; j < tails.length; j++) {
        var suffix = tails[j][0];
        var base = word.slice(0, -suffix.length);
        if (endsWith(word, suffix) && base.length >= tails[j][1] && /[aeiouy]/.test(base)) {
          word = undouble(base);
          break;
        }
      }
      if (endsWith(word, "e") && word.length > 4) { word = word.slice(0, -1); }
      return word;
    }
    function stems(text) {
      return words(text).filter(function (w) { return !stop[w]; }).map(stem);
    }
    var phrases = [];
    data.synonyms.forEach(function (group, g) {
      group.forEach(function (p) { phrases.push([p, g]); });
    });
    phrases.sort(function (a, b) {
      if (a[0].length !== b[0].length) { return b[0].length - a[0].length; }
      if (a[1] !== b[1]) { return a[1] - b[1]; }
      var x = a[0].join("\u0000"), y = b[0].join("\u0000");
      return x < y ? -1 : x > y ? 1 : 0;
    });
    function concept(g) { return data.synonyms[g][0].join("_"); }
    function concepts(tokens) {
      var taken = tokens.map(function () { return false; });
      var spans = {};
      phrases.forEach(function (pg) {
        var p = pg[0], n = p.length;
        for (var s = 0; s + n <= tokens.length; s++) {
          var ok = true;
          for (var k = 0; k < n; k++) {
            if (tokens[s + k] !== p[k] || taken[s + k]) { ok = false; break; }
          }
          if (ok) {
            spans[s] = [s + n, pg[1]];
            for (var t = s; t < s + n; t++) { taken[t] = true; }
          }
        }
      });
      var out = [];
      for (var i = 0; i < tokens.length;) {
        if (spans[i]) { out.push(concept(spans[i][1])); i = spans[i][0]; }
        else { out.push(tokens[i]); i += 1; }
      }
      return out;
    }
    function queryConcepts(query) {
      var seen = {}, out = [];
      concepts(stems(query)).forEach(function (c) {
        if (!seen[c]) { seen[c] = true; out.push(c); }
      });
      return out;
    }
    function subset(want, have) {
      return want.every(function (w) { return have.indexOf(w) >= 0; });
    }
    function resultFits(r, f) {
      if (f.metric && !subset(stems(f.metric), r.metric)) { return false; }
      if (f.unit && r.unit !== f.unit.toLowerCase().trim()) { return false; }
      if (f.min !== null || f.max !== null) {
        if (r.top === null) { return false; }
        if (f.min !== null && r.top < f.min) { return false; }
        if (f.max !== null && r.top > f.max) { return false; }
      }
      return true;
    }
    function keptResults(doc, f) {
      if (f.hardware) {
        var want = stems(f.hardware);
        if (!doc.hardware.some(function (h) { return subset(want, h); })) { return null; }
      }
      if (!(f.metric || f.unit || f.min !== null || f.max !== null)) { return doc.results; }
      var kept = doc.results.filter(function (r) { return resultFits(r, f); });
      return kept.length ? kept : null;
    }
    var n = data.docs.length;
    var avg = n ? data.docs.reduce(function (s, d) { return s + d.len; }, 0) / n : 0;
    if (!avg) { avg = 1; }
    /* Ranked keys of the documents that match `query` and pass `filters`
       ({metric, unit, min, max, hardware}; `allowed(key)` for the page's own selects). */
    function search(query, filters, allowed) {
      var qs = queryConcepts(query);
      var ranked = [];
      data.docs.forEach(function (doc) {
        if (allowed && !allowed(doc.key)) { return; }
        var kept = keptResults(doc, filters);
        if (kept === null) { return; }
        var score = 0, matched = 0;
        qs.forEach(function (q) {
          var tf = doc.tf[q] || 0;
          if (!tf) { return; }
          matched += 1;
          var df = data.df[q];
          var idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
          var norm = data.k1 * (1 - data.b + data.b * doc.len / avg);
          score += idf * tf * (data.k1 + 1) / (tf + norm);
        });
        if (qs.length && !matched) { return; }
        if (!qs.length) {
          score = kept.reduce(function (m, r) { return Math.max(m, r.top || 0); }, 0);
        }
        ranked.push({key: doc.key, partial: matched < qs.length,
                     score: Math.round(score * 1e6) / 1e6});
      });
      ranked.sort(function (a, b) {
        if (a.partial !== b.partial) { return a.partial ? 1 : -1; }
        if (a.score !== b.score) { return b.score - a.score; }
        return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      });
      return ranked.map(function (r) { return r.key; });
    }
    return {words: words, stem: stem, stems: stems, concepts: queryConcepts, search: search};
  }
  return {make: make};
})();
if (typeof module !== "undefined") { module.exports = litsiftSearch; }
