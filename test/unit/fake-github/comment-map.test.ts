import { describe, expect, it } from 'vitest';
import { CommentMap, type FakeComment } from '../../fake-github/state.js';

const comment = (id: number, number: number, kind: FakeComment['kind'] = 'issue'): FakeComment => ({
  id,
  kind,
  repo: 'acme/widgets',
  number,
  user: 'alice',
  body: `comment ${id}`,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  edits: 0,
  viaApp: false,
});

describe("the fake's comments by thread", () => {
  it('finds a thread’s comments of one kind, oldest first, as they are set, replaced and deleted', () => {
    const comments = new CommentMap();
    comments.set(12, comment(12, 1));
    comments.set(10, comment(10, 1));
    comments.set(11, comment(11, 2));
    comments.set(13, comment(13, 1, 'review'));
    expect(comments.on('issue', 'acme/widgets', 1).map((c) => c.id)).toEqual([10, 12]);
    expect(comments.on('review', 'acme/widgets', 1).map((c) => c.id)).toEqual([13]);

    comments.set(12, { ...comment(12, 2), body: 'moved' });
    expect(comments.on('issue', 'acme/widgets', 1).map((c) => c.id)).toEqual([10]);
    expect(comments.on('issue', 'acme/widgets', 2).map((c) => c.body)).toEqual(['comment 11', 'moved']);

    expect(comments.delete(11)).toBe(true);
    expect(comments.on('issue', 'acme/widgets', 2).map((c) => c.id)).toEqual([12]);
    comments.clear();
    expect(comments.on('issue', 'acme/widgets', 1)).toEqual([]);
    expect(comments.size).toBe(0);
  });
});
