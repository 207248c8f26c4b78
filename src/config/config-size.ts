/**
 * `.github/codecloud.yml` is read whole and parsed as YAML on every command: a file far larger than any real
 * configuration is refused before it is parsed (alias bombs are refused by the YAML parser's own alias limit).
 */

/** The largest configuration file read, in bytes (UTF-8). */
export const MAX_REPO_CONFIG_BYTES = 256 * 1024;

/** Why a configuration file of this text cannot be used, or undefined when its size is fine. */
export function configSizeProblem(text: string, where: string): string | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= MAX_REPO_CONFIG_BYTES) return undefined;
  return `${where} is ${bytes.toLocaleString('en-US')} bytes; at most ${MAX_REPO_CONFIG_BYTES.toLocaleString('en-US')} bytes (256 KiB) are read`;
}
