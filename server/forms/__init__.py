"""Form definitions as data (definitions/*.json), their registry and the validator of submissions."""
