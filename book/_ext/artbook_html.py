"""Sphinx extension of the ART book: every page loads each script once.

sphinx-thebe and sphinx-togglebutton add their configuration scripts (``const THEBE_JS_URL =
...``) once per read of the sources, once with no file name and once with an empty one, so a
page can carry them twice, which the browser reports as "Identifier 'THEBE_JS_URL' has already
been declared". This drops repeated scripts from each page.
"""


def _key(js) -> tuple:
    attributes = getattr(js, "attributes", {})
    return (getattr(js, "filename", None) or "", tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _unique_scripts(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for js in context.get("script_files", []):
        if _key(js) not in seen:
            seen.add(_key(js))
            kept.append(js)
    # in place: the list is the builder's own, which other handlers (MathJax) append to
    context["script_files"][:] = kept


def setup(app):
    # last, after the handlers that add scripts (sphinx.ext.mathjax adds its script here)
    app.connect("html-page-context", _unique_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
