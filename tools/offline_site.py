"""A small Sphinx extension: keep the website free of scripts that need the internet.

Jupyter Book 1 always loads sphinx-thebe, whose inline configuration points at thebe on
unpkg.com (and is added twice per page, a console error). This book does not use thebe:
its explorers work without a kernel. So thebe's scripts are dropped from every page.
"""


def drop_thebe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files", [])
    context["script_files"] = [
        script for script in scripts
        if "sphinx-thebe" not in str(script)
        and "THEBE_JS_URL" not in str(getattr(script, "attributes", {}).get("body", ""))
    ]


def setup(app):
    app.connect("html-page-context", drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
