// vmsdq dashboard: charts, live run progress, refresh when a run finishes, settings preview,
// rule editor. Plain JavaScript; charts by plotly.min.js from the installed plotly package.
"use strict";
(function () {
  const api = "/api/v1";

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function call(method, path, body) {
    const options = { method: method, headers: { Accept: "application/json" } };
    const csrf = document.querySelector('meta[name="csrf-token"]');
    if (csrf) options.headers["X-CSRFToken"] = csrf.content;
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(api + path, options);
    const data = response.status === 204 ? null : await response.json();
    return { ok: response.ok, status: response.status, data: data };
  }

  function fmt(value) {
    return value === null || value === undefined ? "—" : Number(value).toFixed(1);
  }

  function drawCharts() {
    if (!window.Plotly) return;
    document.querySelectorAll("[data-figure]").forEach(function (node) {
      const figure = JSON.parse(document.getElementById(node.dataset.figure).textContent);
      window.Plotly.newPlot(node, figure.data, figure.layout, {
        responsive: true, displayModeBar: false,
      });
    });
  }

  // Refresh when a run finishes: pages with forms show a banner instead of reloading.
  function watchRuns() {
    const seconds = Number(document.body.dataset.refresh || 0);
    if (!seconds) return;
    let known = null;
    async function poll() {
      const found = await call("GET", "/runs?limit=5").catch(() => null);
      if (found && found.ok) {
        const sig = found.data.items.map((r) => r.run_id + ":" + r.status).join(" ");
        const finished = found.data.items.filter((r) => r.status === "completed").map((r) => r.run_id);
        if (known !== null && known.sig !== sig && finished.some((id) => !known.finished.includes(id))) {
          if (document.body.hasAttribute("data-no-reload")) {
            const banner = document.getElementById("run-banner");
            banner.hidden = false;
            banner.textContent = "A run finished. Reload the page to see its results.";
          } else {
            window.location.reload();
            return;
          }
        }
        known = { sig: sig, finished: finished };
      }
      window.setTimeout(poll, seconds * 1000);
    }
    poll();
  }

  // Runs page: a live progress bar per entity of every run in progress.
  function renderProgress(box, run) {
    box.replaceChildren(el("p", {}, run.run_id + ": " + run.status + " (" + run.progress.percent + " %)"));
    run.steps.forEach(function (s) {
      const row = el("div", { class: "step" });
      const id = "p-" + run.run_id + "-" + s.kind + "-" + s.name;
      const label = el("label", { for: id }, s.kind + " " + s.name);
      const value = s.status === "completed" || s.status === "failed" ? 100
        : s.kind === "validate" && s.rules_total ? Math.round(100 * s.rules_done / s.rules_total)
        : s.status === "running" ? 50 : 0;
      const bar = el("progress", { id: id, max: "100", value: String(value) });
      row.append(label, bar, el("span", {}, s.status));
      box.append(row);
    });
  }

  async function follow(runId) {
    let box = document.querySelector('.run-progress[data-run="' + runId + '"]');
    const list = document.getElementById("progress-list");
    if (!box) {
      box = el("div", { class: "run-progress", "data-run": runId });
      list.prepend(box);
    }
    const empty = document.getElementById("no-active");
    if (empty) empty.remove();
    const found = await call("GET", "/runs/" + encodeURIComponent(runId)).catch(() => null);
    if (!found || !found.ok) return;
    renderProgress(box, found.data);
    if (found.data.verdict === null) {
      window.setTimeout(() => follow(runId), 1000);
    } else {
      box.append(el("p", { class: "done" }, "Finished: " + found.data.status + ", verdict " +
        found.data.verdict + ", score " + fmt(found.data.score)));
      window.setTimeout(() => window.location.reload(), 1500);
    }
  }

  function runsPage() {
    const active = document.getElementById("active");
    if (!active) return;
    document.body.setAttribute("data-no-reload", "");
    const started = new URLSearchParams(window.location.search).get("started");
    const ids = new Set((active.dataset.active || "").split(" ").filter(Boolean));
    if (started) ids.add(started);
    ids.forEach(follow);
    const form = document.getElementById("start-form");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const entities = Array.from(form.querySelectorAll("input[name=entity]:checked")).map((i) => i.value);
      const found = await call("POST", "/runs", entities.length ? { entities: entities } : {});
      if (found.ok) follow(found.data.run_id);
    });
  }

  // Settings page: validate as you type, preview the scores, save as a new version.
  function settingsPage() {
    const form = document.getElementById("setting-form");
    if (!form) return;
    const error = document.getElementById("setting-error");
    const out = document.getElementById("setting-preview");
    const change = () => ({ key: form.key.value, value: form.value.value });

    async function validate() {
      const found = await call("POST", "/settings/validate", change());
      error.textContent = found.ok ? "" : found.data.message;
      return found.ok;
    }
    async function preview() {
      if (!(await validate())) { out.replaceChildren(); return; }
      const found = await call("POST", "/settings/preview", change());
      if (!found.ok) { error.textContent = found.data.message; return; }
      const b = found.data.before, a = found.data.after;
      const table = el("table", { "data-testid": "preview-table" });
      const head = el("tr");
      ["Scope", "Now", "With the change", "Change"].forEach((h) => head.append(el("th", { scope: "col" }, h)));
      const thead = el("thead");
      thead.append(head);
      table.append(thead);
      const body = el("tbody");
      const rows = [["overall", b.overall, a.overall]].concat(
        Object.keys(b.entities).map((n) => [n, b.entities[n].score, (a.entities[n] || {}).score]));
      rows.forEach(function (r) {
        const tr = el("tr");
        const delta = r[1] === null || r[2] === null ? null : r[2] - r[1];
        [r[0], fmt(r[1]), fmt(r[2]), delta === null ? "—" : (delta >= 0 ? "+" : "") + delta.toFixed(2)]
          .forEach((v) => tr.append(el("td", {}, v)));
        body.append(tr);
      });
      table.append(body);
      out.replaceChildren(el("h3", {}, "Latest run with " + found.data.key + " = " + found.data.value), table);
    }
    let timer = null;
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(preview, 400);
    });
    document.getElementById("preview-button").addEventListener("click", preview);
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const found = await call("PUT", "/settings", change());
      if (found.ok) window.location.assign("/settings?saved=" + found.data.version);
      else error.textContent = found.data.message;
    });
  }

  // Rule editor: validate as you type; preview the changed rules; save.
  function editorPage() {
    const area = document.getElementById("yaml");
    if (!area) return;
    const entity = document.body.dataset.entity;
    const status = document.getElementById("editor-status");
    const problems = document.getElementById("problems");
    const previews = document.getElementById("rule-previews");
    const save = document.getElementById("save-entity");
    const original = area.value;
    let timer = null, sequence = 0;

    function showRule(r) {
      const box = el("div", { class: "rule-preview" });
      box.append(el("h3", {}, r.rule), el("p", {}, r.failed + " failing of " + r.evaluated +
        " evaluated (" + r.outcome + ")" + (r.message ? ": " + r.message : "")));
      if (r.failures.length) {
        const cols = Array.from(new Set(r.failures.flatMap((f) => Object.keys(f))));
        const table = el("table");
        const head = el("tr");
        cols.forEach((c) => head.append(el("th", { scope: "col" }, c)));
        const thead = el("thead");
        thead.append(head);
        table.append(thead);
        const body = el("tbody");
        r.failures.forEach(function (f) {
          const tr = el("tr");
          cols.forEach((c) => tr.append(el("td", {}, f[c] === null || f[c] === undefined ? "∅" : String(f[c]))));
          body.append(tr);
        });
        table.append(body);
        const scroll = el("div", { class: "scroll", role: "region", tabindex: "0", "aria-label": "Failing rows of " + r.rule });
        scroll.append(table);
        box.append(scroll);
      }
      return box;
    }

    async function check() {
      const mine = ++sequence;
      status.textContent = "Checking…";
      const found = await call("POST", "/entities/" + encodeURIComponent(entity) + "/preview", { yaml: area.value });
      if (mine !== sequence) return;
      problems.replaceChildren();
      previews.replaceChildren();
      if (!found.ok) { status.textContent = found.data.message; save.disabled = true; return; }
      const p = found.data;
      p.problems.forEach((x) => problems.append(el("li", {}, (x.line ? "line " + x.line + ":" + x.column + ": " : "") + x.message)));
      save.disabled = !p.valid || area.value === original;
      if (!p.valid) { status.textContent = p.problems.length + " problem(s): not saved."; return; }
      status.textContent = "Valid. " + (p.changed.length ? "Changed: " + p.changed.join(", ") + "." : p.note);
      p.rules.forEach((r) => previews.append(showRule(r)));
      if (p.note && p.changed.length) previews.append(el("p", {}, p.note));
    }
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 500);
    });
    save.addEventListener("click", async function () {
      const found = await call("PUT", "/entities/" + encodeURIComponent(entity), { yaml: area.value });
      status.textContent = found.ok ? "Saved." : found.data.message;
      if (found.ok) window.location.assign("/entities/" + encodeURIComponent(entity));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    watchRuns();
    runsPage();
    settingsPage();
    editorPage();
  });
})();
