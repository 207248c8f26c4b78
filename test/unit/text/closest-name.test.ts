import { describe, expect, it } from 'vitest';
import { closestName } from '../../../src/text/closest-name.js';

describe('closestName', () => {
  it('finds the name meant by a misspelling, ignoring case and - versus _', () => {
    expect(closestName('modle', ['model', 'provider'])).toBe('model');
    expect(closestName('Agent-Provider', ['agent_provider', 'model'])).toBe('agent_provider');
  });

  it('prefers the nearest candidate and gives up beyond the distance', () => {
    expect(closestName('brnch', ['branch', 'brunch2'])).toBe('branch');
    expect(closestName('timeout', ['model', 'provider'])).toBeUndefined();
    expect(closestName('modle', ['model'], 1)).toBeUndefined();
  });
});
