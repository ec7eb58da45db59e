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
