/**
 * `.github/codecloud.yml` read once and kept per repository, so a run costs no config requests when the repository's
 * config was read recently (docs/development.md, Benchmarks: "GitHub requests"). Probot's loader reads the repository's file, else the
 * organisation's `.github` repository, then any `_extends` chain; each entry remembers every file it read (found or
 * not). A push to the default branch of any of those repositories that touches that file drops the entry, and an
 * entry is read again after `ttlMs` anyway (another replica may have received the push). Loads of one repository at
 * the same time share one read; failures are not kept.
 */

/** One file the loader read (`config: null` when it did not exist). */
export interface ConfigFile {
  owner: string;
  repo: string;
  path: string;
  config: unknown;
}

export interface ConfigRead {
  config: unknown;
  files: readonly ConfigFile[];
}

export type ConfigFilesReader = (installationId: number, owner: string, repo: string) => Promise<ConfigRead>;

/** The parts of a `push` webhook payload the cache looks at. */
export interface ConfigPush {
  ref: string;
  repository: {
    name: string;
    owner?: { login?: string; name?: string | null } | null;
    default_branch?: string;
  };
  commits?: ReadonlyArray<{ added?: string[]; removed?: string[]; modified?: string[] }>;
}

export interface ConfigCacheOptions {
  /** How long an entry is used without reading again (default 5 minutes). */
  ttlMs?: number;
  /** Entries kept at most; the oldest go first (default 2,000). */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  at: number;
  value: Promise<ConfigRead>;
  /** `owner/repo:path`, lower-case, of every file read. */
  sources: string[];
}

/** GitHub lists at most this many commits in a push payload; a longer push may touch files it does not list. */
const PUSH_COMMITS_LISTED = 20;

const sourceOf = (owner: string, repo: string, path: string): string =>
  `${owner}/${repo}:${path.replace(/^\/+/, '')}`.toLowerCase();

export class ConfigCache {
  readonly #read: ConfigFilesReader;
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(read: ConfigFilesReader, options: ConfigCacheOptions = {}) {
    this.#read = read;
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#maxEntries = options.maxEntries ?? 2_000;
    this.#now = options.now ?? Date.now;
  }

  /** The config of a repository: cached, or read now (always read with `fresh`, e.g. for a push). */
  load(
    installationId: number,
    owner: string,
    repo: string,
    options: { fresh?: boolean } = {},
  ): Promise<ConfigRead> {
    const key = `${installationId}:${owner}/${repo}`.toLowerCase();
    const cached = this.#entries.get(key);
    if (cached && !options.fresh && this.#now() - cached.at < this.#ttlMs) return cached.value;
    const entry: Entry = { at: this.#now(), value: this.#read(installationId, owner, repo), sources: [] };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    entry.value.then(
      (read) => {
        entry.sources = read.files.map((file) => sourceOf(file.owner, file.repo, file.path));
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(oldest);
    }
    return entry.value;
  }

  /** Drops the entries that read a file this push may have changed. Returns how many. */
  pushed(push: ConfigPush): number {
    const owner = push.repository.owner?.login ?? push.repository.owner?.name;
    if (!owner || push.ref !== `refs/heads/${push.repository.default_branch ?? ''}`) return 0;
    const commits = push.commits ?? [];
    const everything = commits.length === 0 || commits.length >= PUSH_COMMITS_LISTED;
    const touched = new Set(
      commits.flatMap((commit) => [
        ...(commit.added ?? []),
        ...(commit.removed ?? []),
        ...(commit.modified ?? []),
      ]),
    );
    const prefix = `${owner}/${push.repository.name}:`.toLowerCase();
    let dropped = 0;
    for (const [key, entry] of this.#entries) {
      const hit = entry.sources.some(
        (source) =>
          source.startsWith(prefix) &&
          (everything || [...touched].some((path) => sourceOf(owner, push.repository.name, path) === source)),
      );
      // An entry still being read has no sources yet: it may have read the old file, so it goes too.
      if (hit || entry.sources.length === 0) {
        this.#entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }
}
