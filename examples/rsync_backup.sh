#!/usr/bin/env bash
# Keep a plain CSV/JSON copy of a tbfs mount up to date with rsync.
#   examples/rsync_backup.sh MOUNTPOINT DEST
# Files report exact sizes and keep their mtime while their data is
# unchanged, so a second run copies only what grew (-a compares size and
# mtime). Run it from cron while training runs; images and audio are
# included (drop them with --exclude 'images/' --exclude 'audio/').
set -euo pipefail
exec rsync -a --delete --stats "${1%/}/" "$2"
