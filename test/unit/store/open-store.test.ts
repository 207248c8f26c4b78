import { describe, expect, it } from 'vitest';
import { hidePassword, openStore } from '../../../src/store/open-store.js';

describe('openStore engine choice', () => {
  it('refuses a DATABASE_URL that is not PostgreSQL, naming the variable and hiding the password', async () => {
    await expect(
      openStore({ databaseUrl: 'mysql://root:hunter2@db/app', dataDir: 'unused' }),
    ).rejects.toThrow(
      'DATABASE_URL must start with postgres:// or postgresql:// (or be unset for the embedded store in DATA_DIR), got "mysql://root:***@db/app"',
    );
    await expect(openStore({ databaseUrl: 'sqlite:./data.db', dataDir: 'unused' })).rejects.toThrow(
      /DATABASE_URL/,
    );
  });

  it('selects PostgreSQL for postgres:// and postgresql:// without connecting yet', async () => {
    for (const url of [
      'postgres://u:p@127.0.0.1:1/db',
      'postgresql://127.0.0.1:1/db',
      'POSTGRES://127.0.0.1:1/db',
    ]) {
      const store = await openStore({ databaseUrl: url, dataDir: 'unused' });
      expect(store.engine).toBe('postgres');
      await store.close();
    }
  });

  it('hides only the password of a URL', () => {
    expect(hidePassword('postgres://app:s3cr%40t@db.internal:5432/codecloud')).toBe(
      'postgres://app:***@db.internal:5432/codecloud',
    );
    expect(hidePassword('postgres://app@db/codecloud')).toBe('postgres://app@db/codecloud');
    expect(hidePassword('postgres://db/codecloud')).toBe('postgres://db/codecloud');
  });
});
