#!/usr/bin/env bash
# Upload a file through the REST API with curl and jq, as any non-browser client does:
# create the upload, send the file the way the instruction says, complete, fetch it back.
#
#   BASE=https://app.example.com AUTH_METHOD=basic API_USER=ada API_PASSWORD=... ./upload.sh report.pdf
#
# AUTH_METHOD is basic (API_USER, API_PASSWORD), token (API_TOKEN) or session (API_USER,
# API_PASSWORD, and LOGIN_URL, the project's login page: $BASE/accounts/login/ by default).
set -euo pipefail
FILE=$1
API=${API:-$BASE/api/s3-file-uploads/}

case ${AUTH_METHOD:-basic} in
basic)
  AUTH=(-u "$API_USER:$API_PASSWORD")
  ;;
token)
  AUTH=(-H "Authorization: Token $API_TOKEN")
  ;;
session)
  # Sign in with the project's login form: fetch it for the csrftoken cookie, post the
  # credentials with that token, and keep the session cookie in a jar.
  LOGIN_URL=${LOGIN_URL:-$BASE/accounts/login/}
  JAR=$(mktemp)
  trap 'rm -f "$JAR"' EXIT
  csrf() { awk '$6 == "csrftoken" { print $7 }' "$JAR"; }
  curl -sSf -c "$JAR" -o /dev/null "$LOGIN_URL"
  curl -sSf -b "$JAR" -c "$JAR" -o /dev/null -e "$LOGIN_URL" \
    --data-urlencode "username=$API_USER" --data-urlencode "password=$API_PASSWORD" \
    --data-urlencode "csrfmiddlewaretoken=$(csrf)" "$LOGIN_URL"
  grep -q sessionid "$JAR" || { echo "sign-in failed" >&2; exit 1; }
  # Signing in rotates the CSRF token: send the new one with every POST, and a Referer, which
  # Django requires on HTTPS.
  AUTH=(-b "$JAR" -H "X-CSRFToken: $(csrf)" -e "$BASE/")
  ;;
esac

# 1. Create. The reply holds the upload instruction and every URL the next steps need, each
#    one absolute.
body=$(jq -n --arg name "$(basename "$FILE")" --argjson size "$(wc -c <"$FILE")" \
  '{filename: $name, size: $size}')
created=$(curl -sSf "${AUTH[@]}" -H "Content-Type: application/json" -d "$body" "$API")

# 2. Send the file straight to storage, with no cookies and no API credentials: POST means a
#    form with every field in order and the file last; PUT means the file as the body with
#    exactly the instruction's headers.
url=$(jq -r .upload.url <<<"$created")
if [ "$(jq -r .upload.method <<<"$created")" = POST ]; then
  fields=()
  while IFS= read -r field; do fields+=(--form-string "$field"); done \
    < <(jq -r '.upload.fields | to_entries[] | "\(.key)=\(.value)"' <<<"$created")
  curl -sSf -o /dev/null "${fields[@]}" -F "file=@$FILE" "$url"
else
  headers=()
  while IFS= read -r header; do headers+=(-H "$header"); done \
    < <(jq -r '.upload.headers | to_entries[] | "\(.key): \(.value)"' <<<"$created")
  curl -sSf -o /dev/null -X PUT "${headers[@]}" --data-binary "@$FILE" "$url"
fi

# 3. Complete: the server checks what arrived. A 400 says why the file was refused.
curl -sSf "${AUTH[@]}" -X POST -o /dev/null "$(jq -r .complete_url <<<"$created")"

# 4. Fetch: a redirect to a short-lived signed URL, which curl follows (it sends neither the
#    API credentials nor the cookies to storage's host).
curl -sSf "${AUTH[@]}" -L -o "downloaded-$(basename "$FILE")" "$(jq -r .file <<<"$created")"
jq -r .id <<<"$created"
