/** The frame of every dashboard page: stylesheet and script from `/dashboard/assets/` (no inline code), nav, sign-out. */
import { type Html, html } from './html.js';

/** Who is looking, and what every page needs to link and post. */
export interface Viewer {
  login: string;
  /** The session's CSRF token, carried by every form that changes something. */
  csrf: string;
  /** GitHub's web address (`https://github.com`, or the GHE host), for links to threads and comments. */
  webUrl: string;
  now: number;
}

export const ASSET_PATH = '/dashboard/assets';

function head(title: string): Html {
  return html`<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · codecloud</title>
<link rel="stylesheet" href="${ASSET_PATH}/dashboard.css">
<script src="${ASSET_PATH}/dashboard.js" defer></script>
</head>`;
}

/** A page for a signed-in viewer; `live` pages are refreshed by the script while they are open. */
export function page(options: { title: string; viewer: Viewer; live: boolean; body: Html }): string {
  const { title, viewer, live, body } = options;
  return `<!doctype html>\n${
    html`<html lang="en">
${head(title)}
<body>
<header>
<a class="brand" href="/dashboard">codecloud</a>
<nav><a href="/dashboard">Runs</a> <a href="/dashboard/usage">Usage</a></nav>
<span class="who">${viewer.login}</span>
<form method="post" action="/dashboard/logout"><input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit">Sign out</button></form>
</header>
<main id="main" data-live="${live ? 'true' : 'false'}">
${body}
</main>
</body>
</html>`.text
  }\n`;
}

/** The only page anyone signed out sees. */
export function signInPage(options: { returnTo: string; message?: string }): string {
  const target = `/dashboard/login?return=${encodeURIComponent(options.returnTo)}`;
  return `<!doctype html>\n${
    html`<html lang="en">
${head('Sign in')}
<body>
<main id="main" class="sign-in" data-live="false">
<h1>codecloud</h1>
${options.message ? html`<p class="notice">${options.message}</p>` : ''}
<p><a class="button" href="${target}">Sign in with GitHub</a></p>
<p class="muted">You see the runs of the repositories you can read through the app's installations.</p>
</main>
</body>
</html>`.text
  }\n`;
}

/** A short page for refusals and errors (no run or repository is named unless the viewer may see it). */
export function messagePage(options: { title: string; message: string; viewer?: Viewer }): string {
  const body = html`<h1>${options.title}</h1><p>${options.message}</p><p><a href="/dashboard">Back to the runs</a></p>`;
  if (options.viewer) return page({ title: options.title, viewer: options.viewer, live: false, body });
  return `<!doctype html>\n${html`<html lang="en">${head(options.title)}<body><main id="main" data-live="false">${body}</main></body></html>`.text}\n`;
}
