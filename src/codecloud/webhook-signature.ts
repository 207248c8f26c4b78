/**
 * codecloud webhook signatures: `X-Codecloud-Signature` is the bare HMAC-SHA256 hex digest of the raw body.
 * @octokit/webhooks-methods does the HMAC and the constant-time compare (it expects GitHub's `sha256=` prefix).
 */
import { sign, verify } from '@octokit/webhooks-methods';

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** Secrets from a comma-separated setting (rotation: old and new both accepted). */
export function parseSecretList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret.length > 0);
}

/**
 * The signature codecloud puts on a webhook body: what the simulator sends, so the tests check the real verification.
 * @public
 */
export async function signCodecloudPayload(secret: string, body: string): Promise<string> {
  return (await sign(secret, body)).slice('sha256='.length);
}

/** True when `signature` is the HMAC of `body` under any of `secrets`. */
export async function verifyCodecloudSignature(
  secrets: readonly string[],
  body: Buffer | string,
  signature: string | undefined,
): Promise<boolean> {
  if (!signature || secrets.length === 0) return false;
  const hex = signature.trim().replace(/^sha256=/, '');
  if (!HEX_SHA256.test(hex)) return false;
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.length === 0) return false;
  // Buffer → string is lossy for invalid UTF-8; such a body is not a codecloud event, and a mismatch rejects it.
  if (typeof body !== 'string' && !Buffer.from(text, 'utf8').equals(body)) return false;
  let valid = false;
  for (const secret of secrets) {
    // Every secret is tried, so timing does not reveal which one matched.
    if (await verify(secret, text, `sha256=${hex.toLowerCase()}`)) valid = true;
  }
  return valid;
}
