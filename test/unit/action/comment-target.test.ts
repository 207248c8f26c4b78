import { describe, expect, it } from 'vitest';
import { commentTarget } from '../../../src/action/comment-target.js';

const env = { GITHUB_REPOSITORY: 'octo/widgets', GITHUB_EVENT_NAME: 'schedule' };

describe('commentTarget', () => {
  it('takes the pull request or issue of the event, or the number given', () => {
    expect(commentTarget({ kind: 'event' }, env, { pull_request: { number: 7 } })).toEqual({
      kind: 'target',
      owner: 'octo',
      repo: 'widgets',
      number: 7,
    });
    expect(commentTarget({ kind: 'event' }, env, { issue: { number: 9 }, comment: { id: 1 } })).toMatchObject(
      {
        number: 9,
      },
    );
    expect(commentTarget({ kind: 'number', number: 12 }, env, undefined)).toMatchObject({ number: 12 });
    expect(commentTarget({ kind: 'off' }, env, { issue: { number: 9 } })).toEqual({ kind: 'none' });
  });

  it('says why there is nothing to comment on', () => {
    expect(commentTarget({ kind: 'event' }, env, {})).toEqual({
      kind: 'unavailable',
      reason: "the schedule event has no pull request or issue; give the number as 'comment'",
    });
  });
});
