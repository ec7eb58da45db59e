"""tools/page_weight.py: stylesheets thinned to what can match, Font Awesome to what is shown."""

from test_notebooks import load_tool

weight = load_tool("page_weight")


def test_rules_stay_when_a_page_or_script_can_match_them():
    css = ('.used{a:1}.unused{b:2}.used .unused{c:3}p{d:4}.x:not(.gone){e:5}'
           '@media (min-width:1px){.unused{f:6}.used{g:7}}@font-face{font-family:X}'
           '.bs-tooltip-auto{h:8}a[href="#.y"]{i:9}/* .unused{} */.used::before{content:"}"}')
    kept = weight.purge_css(css, {"used", "x"})
    assert kept == ('.used{a:1}p{d:4}.x:not(.gone){e:5}@media (min-width:1px){.used{g:7}}'
                    '@font-face{font-family:X}.bs-tooltip-auto{h:8}a[href="#.y"]{i:9}'
                    '/* .unused{} */.used::before{content:"}"}')


def test_grouped_selectors_keep_only_their_matching_parts():
    assert weight.purge_css(".a,.b>.c,div{x:1}", {"a"}) == ".a,div{x:1}"


def test_icons_keep_their_rules_and_glyphs_and_nothing_else():
    rules = ('.fa-solid{font-weight:900}.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}'
             '.fa-rocket:before{content:"\\f135"}@font-face{font-family:F;'
             'src:url(../webfonts/fa-solid-900.woff2) format("woff2")}')
    pages = '<i class="fa-solid fa-bars"></i>'
    codepoints, names = weight.icon_codepoints(rules, pages, ':root{--x:"\uf0eb"}')
    assert codepoints == {0xF0C9, 0xF0EB} and {"solid", "bars"} <= names
    css = weight.icon_stylesheet(rules, names, {"fa-solid-900": "fa-solid-900.woff"})
    assert ".fa-bars:before{" in css and "navicon" not in css and "rocket" not in css
    assert 'src:url(fa-solid-900.woff) format("woff")' in css


def test_images_load_when_they_come_into_view():
    context = {"body": '<img src="a.png" alt="a"><img loading="eager" src="b.png">'}
    weight.lazy_images(None, "p", "page.html", context, None)
    assert context["body"] == ('<img loading="lazy" src="a.png" alt="a">'
                               '<img loading="eager" src="b.png">')


PYGMENTS = '''html[data-theme="light"] .highlight pre { line-height: 125%; }
html[data-theme="light"] .highlight { background: #fefefe; color: #080808 }
html[data-theme="light"] .highlight .n { color: #080808 }
html[data-theme="light"] .highlight .k { color: #6730C5 }
html[data-theme="light"] .highlight .nb { color: #080808; font-weight: bold }
html[data-theme="light"] .highlight .p { color: #080808 }
html[data-theme="dark"] .highlight { background: #2b2b2b; color: #F8F8F2 }
html[data-theme="dark"] .highlight .n { color: #F8F8F2 }
html[data-theme="dark"] .highlight .k { color: #DCC6E0 }
html[data-theme="dark"] .highlight .nb { color: #F8F8F2; font-weight: bold }
html[data-theme="dark"] .highlight .p { color: #FFFFFF }
'''


def test_only_tokens_coloured_as_their_code_in_every_theme_are_plain():
    # .p differs in the dark theme, .nb is bold, .k has its own colour
    assert weight.plain_token_classes(PYGMENTS) == {"n"}


def test_plain_tokens_are_unwrapped_in_code_blocks_only():
    code = ('<div class="highlight-ipython3 notranslate"><div class="highlight"><pre>'
            '<span class="n">x</span><span class="w"> </span><span class="k">if</span></pre>'
            '</div></div>')
    prose = '<p><span class="n">kept</span></p>'
    thinner = weight.unwrap_plain_tokens(prose + code, {"n", "w"})
    assert thinner == prose + code.replace('<span class="n">x</span><span class="w"> </span>',
                                           "x ")
