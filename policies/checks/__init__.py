"""CKV_MLZ_* checkov checks, one per file (checkov loads Python checks only from a package folder)."""
