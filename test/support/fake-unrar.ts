/** A bsdtar-based test double of the official `unrar` binary, which Debian main does not ship. */
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A test double of the official unrar (which Debian main does not ship), on top of bsdtar: `lt`
 * prints unrar 5–7's technical listing (`Details:` header, then `        Name:`/`Type:`/`Size:`
 * blocks) from `bsdtar -tvf`, and `p` prints every regular file's bytes with `bsdtar -xOf`.
 * `printBody` replaces what `p` does, to fake failures and hangs.
 */
export async function writeFakeUnrar(
  dir: string,
  name: string,
  printBody?: string,
): Promise<string> {
  const script = `#!/usr/bin/env bash
set -u
export LC_ALL=C.UTF-8
cmd=$1; shift
archive=
while [ $# -gt 0 ]; do
  case $1 in
    --) archive=$2; break ;;
    -*) shift ;;
    *) archive=$1; break ;;
  esac
done
if [ ! -f "$archive" ]; then echo "Cannot open $archive" >&2; exit 6; fi
case $cmd in
  lt)
    printf '\\nUNRAR 7.01 freeware      Copyright (c) 1993-2024 Alexander Roshal\\n'
    printf '\\nArchive: %s\\nDetails: RAR 5\\n' "$archive"
    listing=$(bsdtar -tvf "$archive") || exit 2
    re='^(.)([^ ]+) +[0-9]+ +[^ ]+ +[^ ]+ +([0-9]+) +[A-Za-z]+ +[0-9]+ +[0-9:]+ (.*)$'
    while IFS= read -r line; do
      [[ $line =~ $re ]] || continue
      kind=\${BASH_REMATCH[1]}; attrs=\${BASH_REMATCH[1]}\${BASH_REMATCH[2]}
      size=\${BASH_REMATCH[3]}; name=\${BASH_REMATCH[4]}
      type=File; target=
      case $kind in
        d) type=Directory ;;
        l) type='Unix symbolic link'; target=\${name#* -> }; name=\${name% -> *} ;;
        *) if [[ $name == *' link to '* ]]; then
             type='Hard link'; target=\${name#* link to }; name=\${name% link to *}
           fi ;;
      esac
      printf '\\n%12s: %s\\n%12s: %s\\n' Name "$name" Type "$type"
      [ -n "$target" ] && printf '%12s: %s\\n' Target "$target"
      if [ "$kind" != d ]; then
        printf '%12s: %s\\n%12s: %s\\n%12s: %s\\n' Size "$size" 'Packed size' "$size" Ratio 100%
      fi
      printf '%12s: %s\\n' Attributes "$attrs"
    done <<< "$listing"
    ;;
  p)
${printBody ?? '    exec bsdtar -xOf "$archive"'}
    ;;
  *) echo "unknown command $cmd" >&2; exit 7 ;;
esac
`;
  const file = path.join(dir, name);
  await writeFile(file, script);
  await chmod(file, 0o755);
  return file;
}
