"""HTML pages for browsers (jinja2 templates, autoescaped)."""
