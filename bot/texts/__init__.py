"""All user-facing French lives in this package (vouvoiement, short messages that fit a phone screen)."""
