#!/bin/sh
# One-shot job (temporalio/admin-tools) run once the server is healthy: creates the namespace
# and registers the search attributes the bridge's migrated workflows carry.
set -eu
: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS must name the frontend}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"

attempt=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 60 ]; then echo "namespace: $TEMPORAL_ADDRESS is not healthy after 60 tries" >&2; exit 1; fi
  sleep 2
done

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace: $NAMESPACE exists"
else
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" --retention 72h
  echo "namespace: $NAMESPACE created"
fi

for attribute in LegacyState LegacyWorkflowId; do
  if temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" | grep -q "$attribute"; then
    echo "namespace: search attribute $attribute exists"
  else
    temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" \
      --name "$attribute" --type Keyword
    echo "namespace: search attribute $attribute (Keyword) created"
  fi
done
