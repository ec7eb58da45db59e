"""A Sphinx extension that keeps each page's first load light: it loads only what it uses.

Measured on a chapter before this: 4.4 MB in 38 requests, of which Font Awesome's script
alone was 1.5 MB (it redraws the dozen icons the pages show as inline SVG) and MathJax's
combined file 1.2 MB. After the HTML is written (``build-finished``) this extension

- replaces Font Awesome (script, 100 kB stylesheet, three fonts) by its own rules and its
  fonts cut down to the glyphs the pages and the theme's stylesheets name;
- removes from the theme's stylesheets every rule whose selector names a class or id that
  no page and no script of the site contains (most of Bootstrap's utilities);
- keeps of MathJax only the components ``mathjax3_config`` loads (see ``_config.yml``),
  the TeX extensions they may load on demand and their fonts (the full distribution is 24 MB);
- lets images load when they scroll into view (``loading="lazy"``);
- unwraps, in highlighted code, the token spans whose class Pygments colours exactly as the
  code around them in every theme (names, punctuation, spaces: a fifth of a chapter's HTML).

Every step reads the built files, so it follows the theme's versions; the browser tests
(``tests/site``) check the result looks and works the same, and weigh each chapter.
"""

import re
import shutil
from pathlib import Path

ICON_FOLDER = "icons"
#: MathJax's loader; the components it loads are listed in ``mathjax3_config`` (_config.yml).
MATHJAX_PATH = "mathjax/startup.js"
#: MathJax files the pages can load: the components named in mathjax3_config, the TeX
#: extensions that `autoload` and `require` fetch on demand, the CHTML fonts.
MATHJAX_KEEP = ["startup.js", "core.js", "input/tex.js", "input/tex/extensions",
                "output/chtml.js", "output/chtml/fonts", "a11y/assistive-mml.js"]
#: Stylesheets thinned to the rules that can match (their names as Sphinx copies them).
PURGED = ["styles/bootstrap.css", "styles/pydata-sphinx-theme.css", "styles/sphinx-book-theme.css",
          "sphinx-design.min.css", "mystnb.*.css", "basic.css"]
#: Class names that scripts build from pieces (Bootstrap's `bs-tooltip-auto`, say).
SAFE_PREFIXES = ("bs-", "show", "fade", "collapsing", "tooltip", "popover", "dropdown")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]|\\[ef][0-9a-fA-F]{3}")
_WORD = re.compile(r"[A-Za-z_][\w-]*")


# ---- CSS, as nested blocks -------------------------------------------------------------

def split_css(css):
    """Top-level statements of a stylesheet as ``(prelude, body)``; body is ``None`` for
    a statement ending in ``;`` (``@import``, ``@charset``)."""
    blocks, i, n = [], 0, len(css)
    while i < n:
        start = i
        while i < n and css[i] not in "{;":
            i = _skip(css, i)
        prelude = css[start:i].strip()
        if i >= n:
            break
        if css[i] == ";":
            blocks.append((prelude, None))
            i += 1
            continue
        depth, i, body_start = 1, i + 1, i + 1
        while i < n and depth:
            if css[i] == "{":
                depth += 1
            elif css[i] == "}":
                depth -= 1
            i = _skip(css, i) if depth else i + 1
        blocks.append((prelude, css[body_start:i - 1]))
    return [(p, b) for p, b in blocks if p or b]


def _skip(css, i):
    """The index after the character, string or comment at ``i``."""
    if css.startswith("/*", i):
        end = css.find("*/", i + 2)
        return len(css) if end < 0 else end + 2
    if css[i] in "\"'":
        quote, i = css[i], i + 1
        while i < len(css) and css[i] != quote:
            i += 2 if css[i] == "\\" else 1
        return i + 1
    return i + 1


def join_css(blocks):
    return "".join(f"{p};" if b is None else f"{p}{{{b}}}" for p, b in blocks)


def selector_can_match(selector, tokens):
    """False when ``selector`` needs a class or id that ``tokens`` lacks. Arguments of
    ``:not()``, ``:is()`` and the like are not needed; attribute selectors are ignored."""
    plain = re.sub(r":[\w-]+\((?:[^()]|\([^()]*\))*\)", "", selector)
    plain = re.sub(r"\[[^\]]*\]", "", plain)
    plain = re.sub(r"::?[\w-]+", "", plain)
    names = re.findall(r"[.#](-?[_a-zA-Z][\w-]*)", plain)
    return all(name in tokens or name.startswith(SAFE_PREFIXES) for name in names)


def purge_css(css, tokens):
    """The stylesheet without the rules none of whose selectors can match."""
    kept = []
    for prelude, body in split_css(css):
        if body is None or prelude.startswith(("@font-face", "@keyframes", "@-webkit-keyframes",
                                               "@page", "@property", "@counter-style")):
            kept.append((prelude, body))
        elif prelude.startswith("@"):
            inner = purge_css(body, tokens)
            if inner.strip():
                kept.append((prelude, inner))
        else:  # comments before a rule (licences, say) stay; its selectors are checked
            comments = "".join(re.findall(r"/\*.*?\*/", prelude, flags=re.S))
            plain = re.sub(r"/\*.*?\*/", "", prelude, flags=re.S).strip()
            selectors = [s for s in _split_selectors(plain) if selector_can_match(s, tokens)]
            if selectors:
                kept.append((comments + ",".join(selectors), body))
    return join_css(kept)


def _split_selectors(prelude):
    parts, depth, current = [], 0, ""
    for char in prelude:
        depth += char in "([" and 1 or 0
        depth -= char in ")]" and 1 or 0
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return parts + [current.strip()]


# ---- the site ---------------------------------------------------------------------------

def html_pages(outdir):
    return sorted(p for p in Path(outdir).rglob("*.html")
                  if "_static" not in p.relative_to(outdir).parts)


def site_tokens(outdir, pages):
    """Every word in the pages and in the site's scripts: the classes they can use."""
    tokens = set()
    for path in pages:
        tokens.update(_WORD.findall(path.read_text(encoding="utf-8")))
    for script in (Path(outdir) / "_static").rglob("*.js"):
        if "mathjax" not in script.relative_to(outdir).parts:
            tokens.update(_WORD.findall(script.read_text(encoding="utf-8", errors="replace")))
    return tokens


def thin_stylesheets(outdir, tokens):
    static = Path(outdir) / "_static"
    for pattern in PURGED:
        for path in static.glob(pattern):
            css = path.read_text(encoding="utf-8")
            path.write_text(purge_css(css, tokens), encoding="utf-8")


def prune_mathjax(outdir):
    root = Path(outdir) / "_static" / "mathjax"
    if not root.is_dir():
        return
    keep = [root / name for name in MATHJAX_KEEP]
    for path in sorted(root.rglob("*"), reverse=True):
        inside = any(path == k or k in path.parents for k in keep)
        needed = inside or any(path in k.parents for k in keep)
        if not needed:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


# ---- Font Awesome -------------------------------------------------------------------------

def _codepoint(value):
    return int(value[1:], 16) if value.startswith("\\") else ord(value)


def icon_codepoints(rules_css, pages_text, theme_css):
    """The glyphs the site shows: icons named by ``fa-*`` classes in the pages, and the
    private-use characters the theme's stylesheets put in ``content``."""
    names = set(re.findall(r"\bfa-([a-z0-9-]+)", pages_text))
    used, glyph_of = set(), {}
    for prelude, body in split_css(rules_css):
        match = body and re.search(r'content:\s*"([^"]+)"', body)
        if not match or not _PRIVATE_USE.fullmatch(match.group(1)):
            continue
        for selector in _split_selectors(prelude):
            found = re.fullmatch(r"\.fa-([a-z0-9-]+):{1,2}before", selector)
            if found:
                glyph_of[found.group(1)] = _codepoint(match.group(1))
    used |= {glyph_of[name] for name in names if name in glyph_of}
    used |= {_codepoint(value) for value in _PRIVATE_USE.findall(theme_css)}
    return used, names


def icon_stylesheet(rules_css, names, fonts):
    """Font Awesome's rules for the icons in ``names`` only, its fonts replaced by ``fonts``
    (family file stem -> subset file name)."""
    kept = []
    for prelude, body in split_css(rules_css):
        if prelude.startswith("@font-face"):
            stem = re.search(r"webfonts/([\w-]+)\.", body or "")
            if not stem or stem.group(1) not in fonts:
                continue
            body = re.sub(r"src:[^;}]*", f'src:url({fonts[stem.group(1)]}) format("woff")', body)
        elif body and re.search(r"\.fa-[a-z0-9-]+:{1,2}before", prelude) and "content" in body:
            selectors = [s for s in _split_selectors(prelude)
                         if (m := re.fullmatch(r"\.fa-([a-z0-9-]+):{1,2}before", s))
                         and m.group(1) in names]
            if not selectors:
                continue
            prelude = ",".join(selectors)
        kept.append((prelude, body))
    return join_css(kept)


def subset_font(source, target, codepoints):
    import logging

    from fontTools import subset

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    subset.save_font(font, str(target), options)


def replace_fontawesome(outdir, pages):
    static = Path(outdir) / "_static"
    vendor = sorted(static.glob("vendor/fontawesome/*/css/all.min.css"))
    if not vendor:
        return
    home = vendor[-1].parent.parent
    rules = vendor[-1].read_text(encoding="utf-8")
    theme_css = "".join(p.read_text(encoding="utf-8") for p in static.rglob("*.css")
                        if home not in p.parents)
    pages_text = "".join(p.read_text(encoding="utf-8") for p in pages)
    codepoints, names = icon_codepoints(rules, pages_text, theme_css)
    target = static / ICON_FOLDER
    target.mkdir(exist_ok=True)
    fonts = {}
    for ttf in sorted((home / "webfonts").glob("fa-*.ttf")):
        if "v4compatibility" in ttf.stem:
            continue
        subset_font(ttf, target / f"{ttf.stem}.woff", codepoints)
        fonts[ttf.stem] = f"{ttf.stem}.woff"
    (target / "icons.css").write_text(icon_stylesheet(rules, names, fonts), encoding="utf-8")
    for page in pages:
        html = page.read_text(encoding="utf-8")
        html = re.sub(r'<link href="([^"]*?)_static/vendor/fontawesome/[^"]*all\.min\.css[^"]*"',
                      rf'<link href="\1_static/{ICON_FOLDER}/icons.css"', html)
        html = re.sub(r'\s*<link rel="preload" as="font"[^>]*fontawesome[^>]*/>', "", html)
        html = re.sub(r'\s*<script src="[^"]*fontawesome[^"]*all\.min\.js[^"]*"></script>', "",
                      html)
        page.write_text(html, encoding="utf-8")
    shutil.rmtree(home.parent)


def lazy_images(app, pagename, templatename, context, doctree):
    body = context.get("body", "")
    context["body"] = re.sub(r"<img (?![^>]*\bloading=)", '<img loading="lazy" ', body)


_THEMED_RULE = re.compile(
    r'html\[data-theme="(\w+)"\] \.highlight(?: \.([\w-]+))? \{([^}]*)\}')


def _declarations(body):
    return tuple(sorted(" ".join(d.split()) for d in body.split(";") if d.strip()))


def plain_token_classes(pygments_css):
    """The token classes that ``pygments_css`` styles with nothing but the colour of
    ``.highlight`` itself, in every theme it styles: their spans change nothing shown."""
    base, rules = {}, {}
    for theme, token, body in _THEMED_RULE.findall(pygments_css):
        if not token:
            colour = re.search(r"(?:^|;)\s*color:\s*([^;]+)", body)
            if colour:
                base[theme] = ("color: " + colour.group(1).strip(),)
        else:
            rules.setdefault(token, {}).setdefault(theme, set()).add(_declarations(body))
    return {token for token, by_theme in rules.items() if base and set(by_theme) == set(base)
            and all(found == {base[theme]} for theme, found in by_theme.items())}


_CODE_BLOCK = re.compile(r'<div class="highlight[^"]*"><pre>.*?</pre></div>', re.S)


def unwrap_plain_tokens(html, tokens):
    """``html`` with ``<span class="t">text</span>`` unwrapped, for ``t`` in ``tokens``,
    inside highlighted code blocks only."""
    if not tokens:
        return html
    names = "|".join(re.escape(t) for t in sorted(tokens))
    span = re.compile(rf'<span class="(?:{names})">([^<]*)</span>')
    return _CODE_BLOCK.sub(lambda block: span.sub(r"\1", block.group(0)), html)


def thin_code(outdir, pages):
    pygments = Path(outdir) / "_static" / "pygments.css"
    if not pygments.exists():
        return
    tokens = plain_token_classes(pygments.read_text(encoding="utf-8"))
    for page in pages:
        html = page.read_text(encoding="utf-8")
        thinner = unwrap_plain_tokens(html, tokens)
        if thinner != html:
            page.write_text(thinner, encoding="utf-8")


def lighten(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    pages = html_pages(outdir)
    replace_fontawesome(outdir, pages)
    thin_code(outdir, pages)
    thin_stylesheets(outdir, site_tokens(outdir, pages))
    prune_mathjax(outdir)


def use_mathjax_components(app, config):
    # sphinx-mathjax-offline points mathjax_path at the combined tex-chtml.js in its setup,
    # after the configuration is read; this runs later.
    config.mathjax_path = MATHJAX_PATH


def setup(app):
    app.connect("config-inited", use_mathjax_components)
    app.connect("html-page-context", lazy_images)
    # after sphinx-mathjax-offline copies MathJax (build-finished, default priority)
    app.connect("build-finished", lighten, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
