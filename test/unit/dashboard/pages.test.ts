import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../../src/dashboard/html.js';
import { runPage } from '../../../src/dashboard/run-page.js';
import { runsPage } from '../../../src/dashboard/runs-page.js';
import { usagePage } from '../../../src/dashboard/usage-page.js';
import type { Run } from '../../../src/store/store.js';

const HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">\'"&';
const viewer = { login: 'mona<b>', csrf: 'c'.repeat(43), webUrl: 'https://github.com', now: 1_000_000 };

function run(overrides: Partial<Run> = {}): Run {
  return {
    id: '0b6f6f57-3f5c-4a43-9d33-1c1f1f1f1f1f',
    backend: 'codecloud',
    remoteRunId: HOSTILE,
    cloudcodingThreadId: null,
    installationId: 1,
    owner: 'octo',
    repo: 'widgets',
    threadKey: 'octo/widgets#7',
    number: 7,
    targetKind: 'issue',
    reviewCommentThreadId: null,
    triggerCommentId: 1,
    triggerKind: 'issue_comment',
    requestedBy: HOSTILE,
    mode: 'execute',
    prompt: HOSTILE,
    options: {},
    statusCommentId: 99,
    status: 'running',
    remoteStatus: 'running',
    result: {
      title: HOSTILE,
      result: HOSTILE,
      error: HOSTILE,
      inputTokens: 1200,
      outputTokens: 34,
      prs: [{ repo: 'octo/widgets', number: 3, url: 'javascript:alert(3)' }],
    },
    stopRequestedBy: null,
    createdAt: 0,
    startedAt: 1_000,
    finishedAt: null,
    deadlineAt: null,
    lastCommentEditAt: null,
    lastCommentBodyHash: null,
    progress: { toolCalls: [{ name: HOSTILE, status: 'running', arguments: {} }], thinking: HOSTILE },
    finalCommentPosted: false,
    followUpCount: 0,
    updatedAt: 0,
    ...overrides,
  };
}

/** No markup from the hostile text survives: every `<` of it is escaped, and no javascript: link is made. */
function expectInert(page: string): void {
  expect(page).not.toContain('<script>alert');
  expect(page).not.toContain('<img');
  expect(page).not.toContain('href="javascript:');
  expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  // The only scripts are the external file.
  expect(page.match(/<script/g)).toHaveLength(1);
  expect(page).toContain('<script src="/dashboard/assets/dashboard.js" defer></script>');
}

describe('dashboard pages', () => {
  it('escapes text and attribute values; raw and nested html pass through', () => {
    expect(escapeHtml(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
    expect(
      html`<p title="${'"x"'}">${'<b>'}${html`<i>`}${html`<u>${'&'}</u>`}${[1, null, false, 'y']}</p>`.text,
    ).toBe('<p title="&quot;x&quot;">&lt;b&gt;<i><u>&amp;</u>1y</p>');
  });

  it('renders a run with hostile text as text, with a Stop form carrying the CSRF token while active', () => {
    const page = runPage({ viewer, run: run(), events: [{ at: 2_000, status: 'running', detail: HOSTILE }] });
    expectInert(page);
    expect(page).toContain('action="/dashboard/runs/0b6f6f57-3f5c-4a43-9d33-1c1f1f1f1f1f/stop"');
    expect(page).toContain(`name="csrf" value="${viewer.csrf}"`);
    expect(page).toContain('data-live="true"');
    expect(page).toContain('https://github.com/octo/widgets/issues/7#issuecomment-99');
    expect(page).toContain('1,234 (1,200 in, 34 out)');
    const done = runPage({ viewer, run: run({ status: 'completed', finishedAt: 5_000 }), events: [] });
    expect(done).not.toContain('/stop"');
    expect(done).toContain('data-live="false"');
  });

  it('renders the runs list with filters and an Older link carrying the cursor and the filters', () => {
    const page = runsPage({
      viewer,
      repos: ['octo/widgets', HOSTILE],
      filter: { repo: 'octo/widgets', status: 'running', person: HOSTILE },
      runs: [run()],
      olderCursor: '0b6f6f57-3f5c-4a43-9d33-1c1f1f1f1f1f',
      paged: false,
    });
    expectInert(page);
    expect(page).toContain('<option value="octo/widgets" selected>');
    expect(page).toContain('before=0b6f6f57-3f5c-4a43-9d33-1c1f1f1f1f1f');
    expect(page).toContain('repo=octo%2Fwidgets&amp;status=running');
  });

  it('shows usage against the limits, or without them', () => {
    const usage = [{ owner: 'octo', repo: 'widgets', runsToday: 5, tokensThisMonth: 12_345 }];
    const limited = usagePage({ viewer, usage, limits: { runsPerDay: 5, tokensPerMonth: 1_000_000 } });
    expect(limited).toContain('5 / 5');
    expect(limited).toContain('12,345 / 1,000,000');
    expect(limited).toContain('num over');
    expect(usagePage({ viewer, usage, limits: {} })).toContain('No limits are set.');
  });
});
