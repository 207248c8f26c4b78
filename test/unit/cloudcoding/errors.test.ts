import { describe, expect, it } from 'vitest';
import { describeErrorBody } from '../../../src/cloudcoding/errors.js';

describe('describeErrorBody', () => {
  it('prefers detail, message or error of a JSON body', () => {
    expect(describeErrorBody('{"detail":"Invalid API key"}')).toBe('Invalid API key');
    expect(describeErrorBody('{"error":"Unauthorized","message":"Invalid or missing API key"}')).toBe(
      'Invalid or missing API key',
    );
    expect(
      describeErrorBody('{"detail":[{"loc":["body","repo_url"],"msg":"field required","input":{}}]}'),
    ).toBe('body.repo_url: field required');
  });

  it('falls back to the text, clipped, or says there was none', () => {
    expect(describeErrorBody('<html>Bad Gateway</html>')).toBe('<html>Bad Gateway</html>');
    expect(describeErrorBody('x'.repeat(600), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(describeErrorBody('  ')).toBe('no body');
  });
});
