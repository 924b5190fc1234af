"""Reports: rendering every format from the Jinja templates, and signing."""
