import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from '../../src/redact.js';

const alnum = (n: number) => 'aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0zA1bC2dE3'.repeat(3).slice(0, n);

describe('redactSecrets', () => {
  it.each([
    ['classic PAT', `ghp_${alnum(36)}`],
    ['OAuth token', `gho_${alnum(36)}`],
    ['user-to-server token', `ghu_${alnum(36)}`],
    ['installation token', `ghs_${alnum(36)}`],
    ['refresh token', `ghr_${alnum(36)}`],
    ['fine-grained PAT', `github_pat_11ABCDEFG0_${alnum(59)}`],
    ['OpenAI key', `sk-${alnum(48)}`],
    ['OpenAI project key', `sk-proj-${alnum(40)}_x-${alnum(10)}`],
    ['Anthropic key', `sk-ant-api03-${alnum(40)}-${alnum(20)}AA`],
    ['Slack bot token', 'xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
    ['Slack user token', 'xoxp-1234567890-abcdef'],
    ['JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
    ['AWS key id', 'AKIAIOSFODNN7EXAMPLE'],
  ])('redacts a %s', (_kind, secret) => {
    const text = `token: ${secret} (from the env)`;
    expect(redactSecrets(text)).toBe(`token: ${REDACTED} (from the env)`);
  });

  it('redacts PEM private key blocks, whole', () => {
    const pem = [
      '-----BEGIN RSA PRIVATE KEY-----',
      'MIIEowIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aozN3tihPmljnnudb9G3HECdnH',
      'lWu2/a1gB9JW5TBQ+AVpum9Okx7KfqkfBKL9mcHgSd0yhnFCNmzqzdXkKQ==',
      '-----END RSA PRIVATE KEY-----',
    ].join('\n');
    expect(redactSecrets(`key:\n${pem}\ndone`)).toBe(`key:\n${REDACTED}\ndone`);
    expect(
      redactSecrets(
        '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      ),
    ).toBe(REDACTED);
    expect(redactSecrets('a\n-----BEGIN PRIVATE KEY-----\nMIIEv… (log cut off)')).toBe(`a\n${REDACTED}`);
  });

  it('keeps public keys and certificates', () => {
    const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    expect(redactSecrets(cert)).toBe(cert);
  });

  it('redacts Bearer tokens and Authorization headers, keeping the scheme', () => {
    expect(redactSecrets('curl -H "Authorization: Bearer cc_live_abcdef123456"')).toBe(
      `curl -H "Authorization: Bearer ${REDACTED}"`,
    );
    expect(redactSecrets('Authorization: token 0123456789abcdef')).toBe(`Authorization: token ${REDACTED}`);
    expect(redactSecrets('{"authorization":"Basic dXNlcjpwYXNz"}')).toBe(
      `{"authorization":"Basic ${REDACTED}"}`,
    );
    expect(redactSecrets('bearer abcdefghijkl')).toBe('bearer abcdefghijkl');
    expect(redactSecrets('send it with Bearer abc12345XYZ')).toBe(`send it with Bearer ${REDACTED}`);
  });

  it('redacts passwords in URLs', () => {
    expect(redactSecrets('git clone https://x-access-token:abc123@github.com/a/b.git')).toBe(
      `git clone https://${REDACTED}@github.com/a/b.git`,
    );
    expect(redactSecrets('postgres://app:s3cret@db:5432/x')).toBe(`postgres://${REDACTED}@db:5432/x`);
    expect(redactSecrets('https://github.com/a/b')).toBe('https://github.com/a/b');
  });

  it('redacts secret-looking assignments but not references or prose', () => {
    expect(redactSecrets('OPENAI_API_KEY=abcd1234efgh')).toBe(`OPENAI_API_KEY=${REDACTED}`);
    expect(redactSecrets('DB_PASSWORD: "hunter2hunter2"')).toBe(`DB_PASSWORD: "${REDACTED}"`);
    const reference = `GITHUB_TOKEN=${'$'}{{ secrets.GITHUB_TOKEN }}`;
    expect(redactSecrets(reference)).toBe(reference);
    expect(redactSecrets('the password is long enough')).toBe('the password is long enough');
  });

  it('redacts known secrets of 8+ characters wherever they are', () => {
    expect(redactSecrets('key=abc.def+ghi and abc.def+ghi', ['abc.def+ghi'])).toBe(
      `key=${REDACTED} and ${REDACTED}`,
    );
    expect(redactSecrets('the cat sat', ['cat'])).toBe('the cat sat');
  });

  it('hides the given secrets and token-shaped strings', () => {
    const text =
      'key=my-api-key-1 url=https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123@github.com sk-abcdefghijklmnopqrst';
    expect(redactSecrets(text, ['my-api-key-1', undefined])).toBe(
      'key=[redacted] url=https://[redacted]@github.com [redacted]',
    );
  });

  it('ignores secrets too short to be meaningful', () => {
    expect(redactSecrets('a b c', ['a'])).toBe('a b c');
  });

  it('leaves ordinary text alone', () => {
    const text = [
      'Fixed the flaky test in `risk-assessment-for-the-module.ts` on branch codecloud/task-fix-flaky-tests-in-ci.',
      'See https://github.com/acme/widgets/pull/7 and commit 3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f.',
      'ghp_ is the prefix of a classic token; sk- of an OpenAI key; skip-this-step-please.',
    ].join('\n');
    expect(redactSecrets(text)).toBe(text);
  });

  it('stays linear on hostile text: 20,000 BEGIN lines without an END', () => {
    const text = '-----BEGIN PRIVATE KEY-----\n'.repeat(20_000);
    const started = performance.now();
    expect(redactSecrets(text)).toBe(REDACTED);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
