// Every log line of the real app process goes through the redactor: each credential shape is fed through Probot's
// own request logging (headers, path), the app's logger (a webhook with a bad signature whose headers carry them), and
// a job that fails with GitHub's error message holding them (the job worker's line with the error's stack), at
// LOG_LEVEL=debug; none is in the output. The job's line carries the correlation fields of its delivery and run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_SECRET_SAMPLE, SECRETS } from '../../unit/secret-samples.js';
import { botComments, freshRepo, type Harness, startHarness } from './app-harness.js';

/** Telling pieces of each secret (its head, its tail; the key line of a PEM block, the value of an assignment). */
const PIECES = Object.values(SECRETS).flatMap((secret) => {
  const lines = secret.split('\n');
  const core = lines.length > 1 ? (lines[1] as string) : (secret.split(' = ')[1] ?? secret);
  return [core.slice(0, 16), core.slice(-10)];
});
const ONE_LINE = Object.entries(SECRETS).filter(([, secret]) => !secret.includes('\n'));

describe('log redaction (real process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { LOG_LEVEL: 'debug', LOG_FORMAT: 'json', CLOUDCODING_API_KEY: KNOWN_SECRET_SAMPLE },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const lines = (): Array<Record<string, unknown>> =>
    h.app
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('finds no credential in any line: Probot request logs, app warnings, a failed job with its stack', async () => {
    // Probot's own request logging: a path and headers holding every one-line credential, an Authorization header.
    const headers: Record<string, string> = { authorization: `Bearer ${SECRETS.JWT}` };
    ONE_LINE.forEach(([, secret], index) => {
      headers[`x-note-${index}`] = secret;
    });
    await fetch(`${h.app.url}/nothing-here/${SECRETS['classic PAT']}`, { headers });

    // The app's logger: GitHub webhook headers are logged with a rejected signature.
    await fetch(`${h.app.url}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': SECRETS['fine-grained PAT'] as string,
        'x-github-delivery': SECRETS['installation token the App minted'] as string,
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      },
      body: '{}',
    });

    // A job failing with every credential (the PEM block too) in GitHub's error message: logged with its stack.
    const { repo } = await freshRepo(h.gh);
    await h.gh.fault({
      method: 'POST',
      path: `^/repos/${repo}/issues/\\d+/comments$`,
      status: 500,
      message: `MARK-failure ${Object.values(SECRETS).join('\n')}`,
    });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    // The job is tried again and gets its status comment.
    await h.gh.waitFor((s) => botComments(s, repo)[0], { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));

    const output = h.app.output();
    for (const piece of PIECES) expect(output, `leaked ${piece}`).not.toContain(piece);
    expect(output).toContain('[redacted]');

    const all = lines();
    // Probot's request line was written (and redacted), as was the app's warning about the signature.
    expect(all.some((line) => JSON.stringify(line).includes('/nothing-here/'))).toBe(true);
    expect(all.some((line) => String(line.msg).includes('rejected: signature does not match'))).toBe(true);
    const failed = all.find((line) => String(line.msg).includes('failed (attempt 1)'));
    expect(failed, 'the failed job was logged').toBeDefined();
    expect(String(failed?.msg)).toContain('MARK-failure');
    expect(String(failed?.msg)).toMatch(/\n\s+at /); // the stack
    expect(failed).toMatchObject({ kind: 'github.command', repo, installation: expect.any(Number) });
    expect(failed?.job).toEqual(expect.any(String));
    expect(failed?.delivery).toEqual(expect.any(String));
    expect(failed?.run).toMatch(/^[0-9a-f-]{36}$/);
    // Only the work's own fields: nothing another line logged leaks into them.
    expect(failed).not.toHaveProperty('body');
  });
});
