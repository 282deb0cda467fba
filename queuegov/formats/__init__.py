"""Date formats for every language: one spelling everywhere, ISO with seconds (docs/operations.md, "The admin")."""
