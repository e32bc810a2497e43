#!/bin/sh
# The "browser" mcp-remote opens for the OAuth authorization step ($BROWSER,
# reached through the `open` package's bundled xdg-open, or as `xdg-open` on
# PATH). Like a user who approves at once: GET the authorization URL from the
# client's address (the demo AS approves without a page and answers 302), then
# deliver that redirect to mcp-remote's callback on localhost (not captured).
url=$1
loc=$(curl -sS --interface "$BROWSER_SOURCE_ADDRESS" --cacert "$NODE_EXTRA_CA_CERTS" \
  -o /dev/null -w '%{redirect_url}' "$url") || exit 1
echo "fake-browser: authorize -> ${loc%%\?*}" >&2
[ -n "$loc" ] || exit 1
curl -sS -o /dev/null "$loc"
exit 0
