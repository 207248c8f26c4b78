import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseSecretList,
  signCodecloudPayload,
  verifyCodecloudSignature,
} from '../../../src/codecloud/webhook-signature.js';

// GitHub's published test vector for its HMAC-SHA256 webhook scheme (docs: "Validating webhook deliveries").
const SECRET = "It's a Secret to Everybody";
const BODY = 'Hello, World!';
const DIGEST = '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

function flipHexChar(hex: string, index: number): string {
  const c = hex[index] ?? '0';
  return `${hex.slice(0, index)}${c === '0' ? '1' : '0'}${hex.slice(index + 1)}`;
}

describe('signCodecloudPayload', () => {
  it("matches GitHub's published vector (bare hex, no sha256= prefix)", async () => {
    expect(await signCodecloudPayload(SECRET, BODY)).toBe(DIGEST);
  });

  it('is the HMAC-SHA256 hex digest codecloud documents (crypto.createHmac)', async () => {
    const body = JSON.stringify({ event: 'agent.completed', run_id: 'r1' });
    expect(await signCodecloudPayload('whsec', body)).toBe(
      createHmac('sha256', 'whsec').update(body).digest('hex'),
    );
  });
});

describe('verifyCodecloudSignature', () => {
  it('accepts the published vector as a string body and as raw bytes', async () => {
    expect(await verifyCodecloudSignature([SECRET], BODY, DIGEST)).toBe(true);
    expect(await verifyCodecloudSignature([SECRET], Buffer.from(BODY), DIGEST)).toBe(true);
  });

  it('accepts upper-case hex and a GitHub-style sha256= prefix', async () => {
    expect(await verifyCodecloudSignature([SECRET], BODY, DIGEST.toUpperCase())).toBe(true);
    expect(await verifyCodecloudSignature([SECRET], BODY, `sha256=${DIGEST}`)).toBe(true);
  });

  it('rejects every one-byte change of the body', async () => {
    for (let i = 0; i < BODY.length; i++) {
      const changed = `${BODY.slice(0, i)}${String.fromCharCode(BODY.charCodeAt(i) ^ 1)}${BODY.slice(i + 1)}`;
      expect(await verifyCodecloudSignature([SECRET], changed, DIGEST)).toBe(false);
    }
    expect(await verifyCodecloudSignature([SECRET], `${BODY} `, DIGEST)).toBe(false);
    expect(await verifyCodecloudSignature([SECRET], BODY.slice(0, -1), DIGEST)).toBe(false);
  });

  it('rejects every one-character change of the signature', async () => {
    for (let i = 0; i < DIGEST.length; i++) {
      expect(await verifyCodecloudSignature([SECRET], BODY, flipHexChar(DIGEST, i))).toBe(false);
    }
  });

  it('rejects a one-byte change of the secret', async () => {
    expect(await verifyCodecloudSignature(["It's a Secret to Everybodz"], BODY, DIGEST)).toBe(false);
    expect(await verifyCodecloudSignature(["it's a Secret to Everybody"], BODY, DIGEST)).toBe(false);
  });

  it('rejects a truncated, padded, non-hex, empty or missing signature', async () => {
    for (const bad of [DIGEST.slice(0, 63), `${DIGEST}0`, `${DIGEST.slice(0, 63)}g`, '', '   ', undefined]) {
      expect(await verifyCodecloudSignature([SECRET], BODY, bad)).toBe(false);
    }
  });

  it('rejects everything when no secret is configured', async () => {
    expect(await verifyCodecloudSignature([], BODY, DIGEST)).toBe(false);
  });

  it('accepts a signature under any of several secrets (rotation)', async () => {
    expect(await verifyCodecloudSignature(['old-secret', SECRET], BODY, DIGEST)).toBe(true);
    expect(await verifyCodecloudSignature([SECRET, 'new-secret'], BODY, DIGEST)).toBe(true);
    expect(await verifyCodecloudSignature(['old-secret', 'new-secret'], BODY, DIGEST)).toBe(false);
  });

  it('rejects raw bytes that are not valid UTF-8 even if their lossy decoding was signed', async () => {
    const bytes = Buffer.from([0x48, 0xff, 0x49]);
    const signature = await signCodecloudPayload(SECRET, bytes.toString('utf8'));
    expect(await verifyCodecloudSignature([SECRET], bytes, signature)).toBe(false);
  });
});

describe('parseSecretList', () => {
  it('splits a comma-separated setting, trimming and dropping empties', () => {
    expect(parseSecretList(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
    expect(parseSecretList(undefined)).toEqual([]);
    expect(parseSecretList('')).toEqual([]);
  });
});
