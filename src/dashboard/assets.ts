/**
 * The dashboard's stylesheet and script, served from `/dashboard/assets/` (the Content-Security-Policy allows only
 * same-origin files: no inline code anywhere). The script is progressive: every page is complete without it; with
 * it, a page marked `data-live="true"` is fetched again every few seconds and its `<main>` swapped in, parsed by
 * `DOMParser` (which never runs scripts).
 */

export const DASHBOARD_SCRIPT = `'use strict';
(function () {
  var main = document.getElementById('main');
  if (!main || main.getAttribute('data-live') !== 'true') return;
  var delay = 2000;
  function schedule() {
    setTimeout(refresh, document.hidden ? 10000 : delay);
  }
  function busy() {
    var active = document.activeElement;
    return active && main.contains(active) && (active.tagName === 'INPUT' || active.tagName === 'SELECT');
  }
  function refresh() {
    if (busy()) return schedule();
    fetch(location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (response) {
        if (response.redirected) {
          location.reload();
          throw new Error('signed out');
        }
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (text) {
        var next = new DOMParser().parseFromString(text, 'text/html').getElementById('main');
        if (!next) return schedule();
        delay = 2000;
        main.replaceWith(document.importNode(next, true));
        main = document.getElementById('main');
        if (main && main.getAttribute('data-live') === 'true') schedule();
      })
      .catch(function (error) {
        if (String(error && error.message) === 'signed out') return;
        delay = Math.min(delay * 2, 30000);
        schedule();
      });
  }
  schedule();
})();
`;

export const DASHBOARD_STYLES = `:root { color-scheme: light dark; --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #fff; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --bg: #0d1117; --accent: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 600; }
header .who { margin-left: auto; color: var(--muted); }
header form { margin: 0; }
main { padding: 1rem 1.2rem; max-width: 1400px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
table.facts { width: auto; }
table.facts th { color: var(--muted); font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.over { color: #cf222e; font-weight: 600; }
.muted { color: var(--muted); }
.notice { padding: .5rem .8rem; border: 1px solid var(--line); border-radius: 6px; }
.filters { display: flex; gap: .8rem; flex-wrap: wrap; align-items: end; margin-bottom: 1rem; }
.status { display: inline-block; padding: 0 .5rem; border-radius: 1rem; border: 1px solid var(--line); white-space: nowrap; }
.status-running, .status-queued, .status-starting { border-color: #bf8700; color: #bf8700; }
.status-completed { border-color: #1a7f37; color: #1a7f37; }
.status-failed, .status-timed_out { border-color: #cf222e; color: #cf222e; }
.status-stopped, .status-waiting { color: var(--muted); }
pre { white-space: pre-wrap; word-break: break-word; padding: .6rem .8rem; border: 1px solid var(--line); border-radius: 6px; max-height: 40rem; overflow: auto; }
pre.error { border-color: #cf222e; }
ol.timeline time { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: .5rem; }
button, .button { font: inherit; padding: .3rem .9rem; border-radius: 6px; border: 1px solid var(--line); background: transparent; color: var(--fg); cursor: pointer; display: inline-block; }
button.danger { border-color: #cf222e; color: #cf222e; }
.sign-in { max-width: 28rem; margin: 4rem auto; text-align: center; }
.pager a { margin-right: 1rem; }
`;
