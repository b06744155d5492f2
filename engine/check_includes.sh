#!/bin/sh
# The engine's purity check: every #include in engine/'s product files (all
# *.h and *.cc but *_test.cc) must be on the allow-list below, so no clock,
# file, socket, thread or random generator is reachable from engine/.
# Prints FILE:LINE for each include not on the list; exits 1 if there is one.
#
# Usage: check_includes.sh DIR
#
# Allowed: containers, vocabulary types and algorithms of the standard
# library; <cstdio>/<cstdlib> only for the message and abort of a broken
# invariant; and engine/'s own headers. Adding a header here is a decision:
# say in the commit why the engine needs it and why it is pure.
dir=${1:?usage: check_includes.sh DIR}
allowed=' algorithm array cstddef cstdint cstdio cstdlib deque iterator map optional set string string_view tuple type_traits utility variant vector '
status=0
for file in "$dir"/*.h "$dir"/*.cc; do
  case "$file" in *_test.cc) continue ;; esac
  [ -f "$file" ] || continue
  awk -v allowed="$allowed" -v file="$file" '
    /^[ \t]*#[ \t]*include/ {
      line = $0
      if (match(line, /<[^>]*>/)) {
        name = substr(line, RSTART + 1, RLENGTH - 2)
        if (index(allowed, " " name " ") == 0) {
          printf "%s:%d: #include <%s> is not on the engine include allow-list\n", file, NR, name
          bad = 1
        }
      } else if (match(line, /"[^"]*"/)) {
        name = substr(line, RSTART + 1, RLENGTH - 2)
        if (name !~ /^engine\/[a-z_]+\.h$/) {
          printf "%s:%d: #include \"%s\" is not an engine/ header\n", file, NR, name
          bad = 1
        }
      } else {
        printf "%s:%d: an #include the check cannot read\n", file, NR
        bad = 1
      }
    }
    END { exit bad }' "$file" || status=1
done
exit $status
