/**
 * One shell word for a command podwhy suggests (`kubectl -n shop describe pod web-1`). Every value that comes from
 * the cluster or a dump (a name, a namespace, an image, a host) goes through this before it is pasted into a
 * command: a name is not proof of a DNS label (a hand-edited or hostile dump can name a Pod `$(rm -rf ~)`), and a
 * person copies these commands into a terminal.
 *
 * Hand-written rather than the npm `shell-quote` package: the engine imports only src/contract (no dependencies,
 * docs/architecture.md), and that package backslash-escapes each character where one pair of single quotes reads
 * better; POSIX single quotes take every character literally, so the whole rule is the one below.
 */

/** Characters that never mean anything to sh/bash/zsh inside a word (no glob, expansion, quote or operator). */
const BARE_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;

/** `s` as one POSIX shell word: bare when it is plain, else single-quoted (a `'` inside becomes `'\''`). */
export function shellQuote(s: string): string {
  if (BARE_WORD.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
