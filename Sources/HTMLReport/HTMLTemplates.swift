/// The report's Mustache templates, CSS and JavaScript. `{{x}}` is HTML-escaped by Mustache; `{{{x}}}` (raw) is used
/// only for the fixed style and script below and for the outcomes JSON (made script-safe by the renderer).
enum HTMLTemplates {
    static let page = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
    <meta name="generator" content="{{generator}}">
    <title>{{verdict}} · gatecheck · {{target}}</title>
    <style>{{{style}}}</style>
    </head>
    <body>
    <header class="verdict {{#green}}green{{/green}}{{^green}}red{{/green}}" id="verdict">
    <h1><span class="badge">{{verdict}}</span> gatecheck run against {{target}}</h1>
    <p class="totals"><b>{{total}}</b> cases: <span class="n-passed">{{passed}} passed</span>{{#hasFlaky}} <span class="n-flaky">({{flaky}} flaky)</span>{{/hasFlaky}}, <span class="n-failed">{{failed}} failed</span>, <span class="n-error">{{errors}} errors</span>, <span class="n-skipped">{{skipped}} skipped</span></p>
    <dl class="facts">
    <dt>Target</dt><dd>{{target}}</dd>
    <dt>Started</dt><dd>{{started}}</dd>
    <dt>Duration</dt><dd>{{duration}}</dd>
    <dt>Exit status</dt><dd>{{exitStatus}}</dd>
    {{#coverage}}<dt>Gateway coverage</dt><dd><a href="#coverage">{{percent}}</a> ({{totals}})</dd>
    {{/coverage}}
    {{#properties}}<dt>{{name}}</dt><dd>{{value}}</dd>
    {{/properties}}
    </dl>
    </header>
    <main>
    {{#hasWarnings}}<section id="warnings"><h2>Warnings</h2><ul>{{#warnings}}<li>{{.}}</li>{{/warnings}}</ul></section>{{/hasWarnings}}
    {{#comparison}}
    <section id="changes"><h2>Since the previous run <small>({{source}})</small></h2>
    <div class="changes">
    <div class="change newly"><h3>Newly failing: {{newlyFailingCount}}</h3>{{#hasNewlyFailing}}<ul>{{#newlyFailing}}<li>{{.}}</li>{{/newlyFailing}}</ul>{{/hasNewlyFailing}}</div>
    <div class="change fixed"><h3>Fixed: {{fixedCount}}</h3>{{#hasFixed}}<ul>{{#fixed}}<li>{{.}}</li>{{/fixed}}</ul>{{/hasFixed}}</div>
    <div class="change still"><h3>Still failing: {{stillFailingCount}}</h3>{{#hasStillFailing}}<ul>{{#stillFailing}}<li>{{.}}</li>{{/stillFailing}}</ul>{{/hasStillFailing}}</div>
    </div></section>
    {{/comparison}}
    <section id="cases"><h2>Cases</h2>
    <form class="filters" id="filters" onsubmit="return false">
    <input type="search" id="q" placeholder="Search suite/case, tag, message" aria-label="Search">
    <select id="suite" aria-label="Suite"><option value="">all suites</option>{{#suiteOptions}}<option>{{.}}</option>{{/suiteOptions}}</select>
    {{#hasTags}}<select id="tag" aria-label="Tag"><option value="">all tags</option>{{#tagOptions}}<option>{{.}}</option>{{/tagOptions}}</select>{{/hasTags}}
    <label><input type="checkbox" name="outcome" value="failed" checked> failed</label>
    <label><input type="checkbox" name="outcome" value="error" checked> error</label>
    <label><input type="checkbox" name="outcome" value="flaky" checked> flaky</label>
    <label><input type="checkbox" name="outcome" value="passed" checked> passed</label>
    <label><input type="checkbox" name="outcome" value="skipped" checked> skipped</label>
    <output id="shown"></output>
    </form>
    <div id="case-list">
    {{#cases}}{{> case}}{{/cases}}
    </div>
    {{^hasCases}}<p>No case ran.</p>{{/hasCases}}
    </section>
    {{#chart}}{{#hasBars}}
    <section id="timing"><h2>Time per suite</h2>
    <svg class="chart" role="img" aria-label="Time per suite" width="{{width}}" height="{{height}}" viewBox="0 0 {{width}} {{height}}" xmlns="http://www.w3.org/2000/svg">
    {{#bars}}<g><title>{{name}}: {{seconds}}, {{cases}} cases</title><text x="{{labelX}}" y="{{textY}}" text-anchor="end">{{name}}</text><rect x="{{barX}}" y="{{y}}" width="{{width}}" height="18" class="{{#failing}}bar-red{{/failing}}{{^failing}}bar-green{{/failing}}"/><text x="{{valueX}}" y="{{textY}}">{{seconds}}</text></g>
    {{/bars}}</svg>
    {{#hasHidden}}<p>{{hidden}} faster suites not drawn.</p>{{/hasHidden}}
    </section>
    {{/hasBars}}{{/chart}}
    <section id="slowest"><h2>Slowest cases</h2>
    <table><thead><tr><th>Case</th><th>Outcome</th><th>Time</th></tr></thead><tbody>
    {{#slowest}}<tr><td>{{id}}</td><td class="o-{{outcome}}">{{outcome}}</td><td class="num">{{duration}}</td></tr>
    {{/slowest}}</tbody></table>
    </section>
    {{#coverage}}
    <section id="coverage"><h2>Gateway coverage: {{percent}}</h2>
    <p class="coverage-source">{{totals}}; {{source}}.</p>
    <table class="coverage"><thead><tr><th>API definition</th><th>Type</th><th>Suites</th><th>Exercised / declared</th><th>Coverage</th></tr></thead><tbody>
    {{#apis}}<tr><td>{{file}}</td><td>{{kind}}</td><td>{{suites}}</td><td>{{totals}}</td><td class="num">{{percent}}</td></tr>
    {{/apis}}</tbody></table>
    {{#hasNeverExercised}}<h3>Never exercised ({{neverExercisedCount}})</h3><ul class="never">{{#neverExercised}}<li><code>{{.}}</code></li>{{/neverExercised}}</ul>{{/hasNeverExercised}}
    {{^hasNeverExercised}}<p>Every declared item was exercised.</p>{{/hasNeverExercised}}
    </section>
    {{/coverage}}
    </main>
    <footer>Generated by gatecheck. Secrets are redacted as in the console and the JUnit report.</footer>
    <script type="application/json" id="gatecheck-outcomes">{{{outcomesJSON}}}</script>
    <script>{{{script}}}</script>
    </body>
    </html>

    """

    /// A case with something to show below its line is a `<details>` (expanded when failing); a plain pass is a
    /// light `<div>`: thousands of `<details>`, each with its own shadow tree, make a large report slow to open.
    static let caseItem = """
    {{#hasDetail}}<details class="case o-{{outcome}}" {{> caseData}}{{#open}} open{{/open}}>
    <summary>{{> caseLine}}</summary>
    <div class="detail">
    {{#message}}<p class="message">{{#errorType}}<b>{{errorType}}</b>: {{/errorType}}{{message}}</p>{{/message}}
    {{#hasFailures}}<div class="failures"><h4>{{#parity}}Parity differences{{/parity}}{{^parity}}Failed assertions{{/parity}}</h4>
    {{#failures}}<div class="failure">
    {{#split}}<table class="eva"><tr><th>{{subject}}</th><th>expected</th><td class="expected">{{expected}}</td></tr><tr><th></th><th>actual</th><td class="actual">{{actual}}</td></tr></table>{{/split}}
    {{^split}}<p class="summary">{{summary}}</p>{{/split}}
    {{#hasDetails}}<pre class="diff{{#parity}} side-by-side{{/parity}}">{{#details}}<span class="{{kind}}">{{text}}</span>
    {{/details}}</pre>{{/hasDetails}}
    </div>{{/failures}}
    </div>{{/hasFailures}}
    {{#hasAttempts}}<div class="attempts"><h4>Earlier attempts (retried)</h4><ol>{{#attempts}}<li class="attempt-{{kind}}">{{message}}{{#hasTranscript}}<details><summary>transcript</summary><pre>{{transcript}}</pre></details>{{/hasTranscript}}</li>{{/attempts}}</ol></div>{{/hasAttempts}}
    {{#notes}}<p class="note">{{.}}</p>{{/notes}}
    {{#request}}<div class="http request"><h4>Request</h4>{{> message}}</div>{{/request}}
    {{#response}}<div class="http response"><h4>Response</h4>{{> message}}</div>{{/response}}
    {{#transcript}}<details class="transcript"><summary>Transcript</summary><pre>{{transcript}}</pre></details>{{/transcript}}
    </div>
    </details>{{/hasDetail}}
    {{^hasDetail}}<div class="case o-{{outcome}}" {{> caseData}}><div class="line">{{> caseLine}}</div></div>{{/hasDetail}}

    """

    static let caseData = """
    data-suite="{{suite}}" data-tags="{{dataTags}}" data-outcome="{{outcome}}" data-search="{{search}}"
    """

    static let caseLine = """
    <span class="mark">{{outcome}}</span> <span class="suite-name">{{suite}}</span> / <span class="case-name">{{name}}</span> <span class="time">{{duration}}</span>{{#tags}} <span class="tag">{{.}}</span>{{/tags}}
    """

    static let message = """
    <p class="start-line"><code>{{startLine}}</code></p>
    <table class="headers">{{#headers}}<tr><th>{{name}}</th><td>{{value}}</td></tr>{{/headers}}</table>
    {{#hasBody}}<pre class="body{{#json}} json{{/json}}">{{body}}</pre>{{/hasBody}}
    {{#truncation}}<p class="truncated">Body cut: {{truncation}}</p>{{/truncation}}
    """

    static let style = """
    :root{--red:#c62828;--green:#2e7d32;--amber:#b26a00;--grey:#666;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:14px;color:#222}
    body{margin:0;background:#fafafa}main{padding:0 24px 24px}footer{padding:12px 24px;color:var(--grey)}
    .verdict{padding:16px 24px;color:#fff}.verdict.green{background:var(--green)}.verdict.red{background:var(--red)}
    .verdict h1{margin:0 0 6px;font-size:20px}.badge{background:rgba(0,0,0,.25);padding:2px 10px;border-radius:4px;margin-right:8px}
    .facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0 0}.facts dt{font-weight:600}.facts dd{margin:0;word-break:break-all}
    h2{font-size:17px;margin:24px 0 8px}h4{margin:10px 0 4px;font-size:13px}
    .changes{display:flex;gap:16px;flex-wrap:wrap}.change{flex:1;min-width:220px;background:#fff;border:1px solid #ddd;border-left-width:6px;padding:4px 12px}
    .change.newly{border-left-color:var(--red)}.change.fixed{border-left-color:var(--green)}.change.still{border-left-color:var(--amber)}
    .filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:8px}.filters input[type=search]{min-width:260px;padding:4px}
    .case{background:#fff;border:1px solid #ddd;border-left:6px solid var(--green);margin:4px 0;content-visibility:auto;contain-intrinsic-size:auto 28px}.case>summary{padding:4px 8px;cursor:pointer}.case>.line{padding:4px 8px 4px 24px}
    .case.o-failed{border-left-color:var(--red)}.case.o-error{border-left-color:var(--amber)}.case.o-skipped{border-left-color:#aaa}.case.o-flaky{border-left-color:#f9a825}
    .mark{display:inline-block;min-width:52px;font-weight:600;text-transform:uppercase;font-size:11px}.o-failed .mark,td.o-failed,.failure .summary{color:var(--red)}.o-error .mark,td.o-error,.message{color:var(--amber)}.o-flaky .mark{color:#b8860b}
    .time{color:var(--grey);margin-left:6px}.tag{background:#e3e8f0;border-radius:3px;padding:0 5px;margin-left:4px;font-size:11px}
    .detail{padding:0 12px 8px;border-top:1px solid #eee}.message{font-family:ui-monospace,monospace;white-space:pre-wrap}
    pre{background:#f4f4f4;padding:8px;overflow:auto;max-height:480px;white-space:pre-wrap;word-break:break-all;margin:4px 0}
    .diff .del{color:var(--red)}.diff .add{color:var(--green)}.side-by-side{white-space:pre}
    .eva{border-collapse:collapse}.eva th,.eva td{text-align:left;padding:2px 8px;font-family:ui-monospace,monospace;vertical-align:top}
    .eva .expected{background:#e8f5e9}.eva .actual{background:#ffebee}
    .headers th{text-align:left;padding-right:12px;font-weight:600;vertical-align:top}.headers td{word-break:break-all}.headers{font-family:ui-monospace,monospace;font-size:12px}
    .truncated,.note{color:var(--amber)}.http{border-left:3px solid #ddd;padding-left:8px;margin:8px 0}
    .chart text{font-size:12px;fill:#333}.bar-green{fill:var(--green)}.bar-red{fill:var(--red)}
    table{border-collapse:collapse}#slowest td,#slowest th,.coverage td,.coverage th{padding:2px 12px;text-align:left}.num{text-align:right}.verdict a{color:#fff}
    [hidden]{display:none!important}
    """

    static let script = """
    (function () {
      "use strict";
      var cases = Array.prototype.slice.call(document.querySelectorAll("#case-list > .case"));
      var query = document.getElementById("q"), suite = document.getElementById("suite"), tag = document.getElementById("tag");
      var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=outcome]"));
      var shown = document.getElementById("shown");
      function apply() {
        var text = query.value.trim().toLowerCase(), wantedSuite = suite.value, wantedTag = tag ? tag.value : "";
        var outcomes = {};
        boxes.forEach(function (box) { if (box.checked) { outcomes[box.value] = true; } });
        var count = 0;
        cases.forEach(function (item) {
          var visible = (!text || item.dataset.search.indexOf(text) >= 0)
            && (!wantedSuite || item.dataset.suite === wantedSuite)
            && (!wantedTag || item.dataset.tags.indexOf("|" + wantedTag + "|") >= 0)
            && outcomes[item.dataset.outcome] === true;
          item.hidden = !visible;
          if (visible) { count += 1; }
        });
        shown.textContent = count + " of " + cases.length + " cases shown";
      }
      function readHash() {
        var params = new URLSearchParams(location.hash.slice(1));
        query.value = params.get("q") || "";
        suite.value = params.get("suite") || "";
        if (tag) { tag.value = params.get("tag") || ""; }
        var wanted = params.get("outcome");
        boxes.forEach(function (box) { box.checked = !wanted || wanted.split(",").indexOf(box.value) >= 0; });
        apply();
      }
      function writeHash() {
        var params = new URLSearchParams();
        if (query.value) { params.set("q", query.value); }
        if (suite.value) { params.set("suite", suite.value); }
        if (tag && tag.value) { params.set("tag", tag.value); }
        var checked = boxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
        if (checked.length !== boxes.length) { params.set("outcome", checked.join(",")); }
        history.replaceState(null, "", params.toString() ? "#" + params.toString() : location.pathname);
        apply();
      }
      query.addEventListener("input", writeHash);
      suite.addEventListener("change", writeHash);
      if (tag) { tag.addEventListener("change", writeHash); }
      boxes.forEach(function (box) { box.addEventListener("change", writeHash); });
      window.addEventListener("hashchange", readHash);
      readHash();
      document.documentElement.setAttribute("data-ready", "true");
    })();
    """
}
