// One of each credential shape the one redactor knows, for the redaction tests (unit and end to end).

const alnum = (n: number) => 'A1b2C3d4E5f6G7h8J9k0L1m2N3p4Q5r6S7t8U9v0'.repeat(4).slice(0, n);
/** Stands for a configured secret (an API key): redacted by value, not by shape. */
export const KNOWN_SECRET_SAMPLE = 'cc_live_the-apps-own-key';

/** One of each credential shape the redactor knows, as an agent might print it. */
export const SECRETS: Readonly<Record<string, string>> = {
  'classic PAT': `ghp_${alnum(36)}`,
  'OAuth token': `gho_${alnum(36)}`,
  'user-to-server token': `ghu_${alnum(36)}`,
  'installation token the App minted': `ghs_${alnum(36)}`,
  'refresh token': `ghr_${alnum(36)}`,
  'fine-grained PAT': `github_pat_11ABCDEFG0_${alnum(59)}`,
  'OpenAI key': `sk-proj-${alnum(40)}`,
  'Anthropic key': `sk-ant-api03-${alnum(40)}_${alnum(8)}-AA`,
  'Slack token': 'xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
  'AWS access key id': 'AKIAIOSFODNN7EXAMPLE',
  'AWS secret key': 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  JWT: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhX2JfYyJ9.dozjgNry_4J3jVmNHl0w5N_XgL0n3I9P_lFUP0THsR8U',
  'PEM block':
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1c7+9z5Pad7Oe_jecsQ0bu3a\n-----END RSA PRIVATE KEY-----',
  'known secret': KNOWN_SECRET_SAMPLE,
};
