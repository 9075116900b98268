"""The layout around every page: inline CSS, scripts, header, navigation, footer
(docs/site.md §5.2a).

Sizes imitate the production templates so that per-page costs measured on the replica are real.
"""

from newsbot.replica.content import LABELS, SECTORS, TAG_POOL
from newsbot.replica.text import enc, tag_href

EDITIONS: dict[str, str] = {
    "/south-asia": "South Asia",
    "/east-africa": "East Africa",
    "/west-africa": "West Africa",
    "/southern-africa": "Southern Africa",
    "/north-america": "North America",
    "/latin-america-caribbean": "Latin America & Caribbean",
    "/europe": "Europe",
    "/middle-east-north-africa": "Middle East & North Africa",
    "/east-asia-pacific": "East Asia & Pacific",
    "/central-asia": "Central Asia",
    "/oceania": "Oceania",
}
# The non-article pages of docs/site.md §4 that the navigation links.
OTHER_PAGES: dict[str, str] = {
    "/blogs": "Blogs",
    "/blogs/interview": "Interviews",
    "/press-release": "Press Release",
    "/sdg-stories": "SDG Stories",
    "/top-stories": "Top Stories",
    "/research": "Research",
    "/news-analysis": "News Analysis",
    "/aboutus": "About Us",
    "/career": "Career",
    "/partners": "Partners",
    "/Writeforus": "Write for us",
    "/Home/Disclaimer": "Disclaimer",
    "/Home/PrivacyPolicy": "Privacy Policy",
    "/Home/AdvancedSearch": "Advanced Search",
    "/live-discourse/1024-global-development-live": "Live Discourse",
    "/news/videos/1": "Videos",
}
# The source listings that exist (docs/site.md §8.1: the other agencies' pages have no route).
SOURCE_PAGES: dict[str, str] = {
    "/pti-stories": "PTI Stories",
    "/devdiscourse-stories": "Devdiscourse Stories",
    "/AgencyWire": "Agency Wire",
}

_COMPONENTS = (
    "navbar",
    "nav-link",
    "dropdown-menu",
    "mega-menu",
    "edition-list",
    "section-title",
    "section-title3",
    "trend-title",
    "title-sub",
    "country-sub",
    "media",
    "media-body",
    "also-container",
    "also-title",
    "article-cont",
    "left-section",
    "metadata",
    "article-breadcrumb",
    "breadcrumb_new",
    "fig-caption",
    "figure",
    "tag",
    "badge",
    "share-btn",
    "footer-links",
    "footer-bottom",
    "newsletter",
    "ai-summary-card",
    "ad-container",
    "pagination",
    "sidebar-block",
    "video-js",
    "list-inline",
    "font-oswald",
    "text-decoration",
    "sub-title",
    "bc-current",
    "fg-orange",
    "feedback-btn",
    "search-box",
)
_STATES = ("", ":hover", " a", " li", " img", ".active", "::after")
_DECLARATIONS = (
    "margin:0 0 10px;padding:4px 8px;font-family:'Oswald',sans-serif;color:#1d1d1d",
    "display:flex;align-items:center;justify-content:space-between;flex-wrap:wrap",
    "border-bottom:1px solid #e5e5e5;line-height:1.45;font-size:15px;letter-spacing:.2px",
    "background:#f7f7f7;color:#ff6b00;text-transform:uppercase;font-weight:600",
    "position:relative;overflow:hidden;transition:all .25s ease-in-out;opacity:.95",
)


def _stylesheet() -> str:
    rules = []
    for index, component in enumerate(_COMPONENTS):
        for offset, state in enumerate(_STATES):
            body = _DECLARATIONS[(index + offset) % len(_DECLARATIONS)]
            rules.append(f".{component}{state}{{{body}}}")
    for width in (480, 768, 992, 1200):
        inner = "".join(f".{c}{{max-width:{width - 30}px;margin:0 auto}}" for c in _COMPONENTS)
        rules.append(f"@media (min-width:{width}px){{{inner}}}")
    return "\n".join(rules)


STYLE = f"<style>\n{_stylesheet()}\n</style>"
AMP_STYLE = "body{font-family:sans-serif;margin:0 12px}.news-box h1.title{font-size:24px}" + (
    ".tag{display:inline-block;margin:4px;padding:2px 8px;background:#eee}"
)

_GTAG = """window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);}
gtag('js', new Date());
gtag('config', 'G-D3VD1SC0URS', { 'anonymize_ip': true, 'page_path': location.pathname });"""
_EDITION = """(function () {
  var match = document.cookie.match(/(?:^|; )Edition=([^;]*)/);
  var edition = match ? decodeURIComponent(match[1]) : 'Global Edition';
  var label = document.getElementById('edition-label');
  if (label) { label.textContent = edition; }
  document.querySelectorAll('.edition-list a').forEach(function (link) {
    link.addEventListener('click', function () {
      document.cookie = 'Edition=' + encodeURIComponent(link.dataset.edition) + '; path=/';
    });
  });
})();"""
_LAZY = """window.lazySizesConfig = window.lazySizesConfig || {};
window.lazySizesConfig.loadMode = 1;
window.lazySizesConfig.expand = 300;
document.addEventListener('lazybeforeunveil', function (e) {
  var bg = e.target.getAttribute('data-bg');
  if (bg) { e.target.style.backgroundImage = 'url(' + bg + ')'; }
});"""
_SCROLL = """(function () {
  var page = 1, busy = false;
  function slugify(title) {
    return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  }
  window.addEventListener('scroll', function () {
    if (busy || window.innerHeight + window.scrollY < document.body.offsetHeight - 800) return;
    busy = true; page += 1;
    fetch('/api/Search/GetLatestNews/Global%20Edition/' + page)
      .then(function (r) { return r.json(); })
      .then(function (items) {
        var list = document.getElementById('more-news');
        items.forEach(function (item) {
          var li = document.createElement('li');
          li.innerHTML = '<a href="/article/' + item.label + '/' + item.id + '-' +
            slugify(item.title) + '">' + item.title + '</a>';
          list.appendChild(li);
        });
        busy = false;
      });
  });
})();"""
_SHARE = """document.querySelectorAll('[data-share]').forEach(function (button) {
  button.addEventListener('click', function () {
    var url = encodeURIComponent(document.querySelector('link[rel=canonical]').href);
    var targets = {
      facebook: 'https://www.facebook.com/sharer/sharer.php?u=',
      twitter: 'https://twitter.com/intent/tweet?url=',
      linkedin: 'https://www.linkedin.com/shareArticle?mini=true&url=',
      whatsapp: 'https://api.whatsapp.com/send?text='
    };
    window.open(targets[button.dataset.share] + url, '_blank', 'width=600,height=480');
  });
});"""
_NEWSLETTER = """function subscribeNewsletter(form) {
  var email = form.querySelector('input[type=email]').value;
  if (!/^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$/.test(email)) {
    alert('Please enter a valid email'); return false;
  }
  fetch('/api/Newsletter/Subscribe', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: email, edition: 'Global Edition' })
  }).then(function () { form.innerHTML = '<p>Thank you for subscribing.</p>'; });
  return false;
}"""
_FEEDBACK = """document.getElementById('feedback-btn') && document.getElementById('feedback-btn')
  .addEventListener('click', function () {
    var box = document.getElementById('feedback-box');
    box.style.display = box.style.display === 'block' ? 'none' : 'block';
  });"""
_MENU = """(function () {
  var toggle = document.querySelector('.navbar-toggle');
  var menu = document.getElementById('main-menu');
  if (toggle && menu) {
    toggle.addEventListener('click', function () { menu.classList.toggle('in'); });
  }
  document.querySelectorAll('.dropdown').forEach(function (item) {
    item.addEventListener('mouseenter', function () { item.classList.add('open'); });
    item.addEventListener('mouseleave', function () { item.classList.remove('open'); });
  });
})();"""
_CONSENT = """(function () {
  if (localStorage.getItem('dd-consent') === 'yes') return;
  var bar = document.createElement('div');
  bar.className = 'consent-bar';
  bar.innerHTML = 'We use cookies to improve your experience. <button>OK</button>';
  bar.querySelector('button').onclick = function () {
    localStorage.setItem('dd-consent', 'yes'); bar.remove();
  };
  document.body.appendChild(bar);
})();"""
_PUSH = """if ('serviceWorker' in navigator) {
  window.addEventListener('load', function () {
    navigator.serviceWorker.register('/sw.js').catch(function () { return null; });
  });
}"""

_SEARCH = """(function () {
  var box = document.querySelector('.search-box input');
  var list = document.querySelector('.search-box .suggestions');
  var timer = null;
  if (!box || !list) return;
  box.addEventListener('input', function () {
    clearTimeout(timer);
    var term = box.value.trim();
    if (term.length < 3) { list.innerHTML = ''; return; }
    timer = setTimeout(function () {
      fetch('/api/Search/Suggest?term=' + encodeURIComponent(term))
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) {
          list.innerHTML = items.slice(0, 8).map(function (item) {
            return '<li><a href="/article/' + item.label + '/' + item.slug + '">' +
              item.title.replace(/</g, '&lt;') + '</a></li>';
          }).join('');
        })
        .catch(function () { list.innerHTML = ''; });
    }, 250);
  });
  box.form && box.form.addEventListener('submit', function (e) {
    e.preventDefault();
    window.location = '/news?tag=' + encodeURIComponent(box.value.trim()).replace(/%20/g, '+');
  });
})();"""
_VIDEO = """(function () {
  var player = document.getElementById('my-video');
  if (!player || !window.videojs) return;
  var vjs = window.videojs(player, { fluid: true, playbackRates: [0.75, 1, 1.25, 1.5] });
  vjs.on('play', function () { gtag('event', 'video_play', { id: player.dataset.id }); });
  vjs.on('ended', function () { gtag('event', 'video_complete', { id: player.dataset.id }); });
})();"""
_ADS = """(function () {
  var slots = document.querySelectorAll('ins.adsbygoogle');
  var loaded = 0;
  function fill() {
    slots.forEach(function (slot) {
      if (slot.dataset.filled) return;
      var rect = slot.getBoundingClientRect();
      if (rect.top < window.innerHeight + 600) {
        slot.dataset.filled = '1'; loaded += 1;
        try { (adsbygoogle = window.adsbygoogle || []).push({}); } catch (e) { loaded -= 1; }
      }
    });
  }
  window.addEventListener('scroll', fill, { passive: true });
  window.addEventListener('load', fill);
})();"""
_PROGRESS = """(function () {
  var bar = document.createElement('div');
  bar.className = 'read-progress';
  document.body.appendChild(bar);
  var article = document.querySelector('section.article-cont');
  if (!article) return;
  window.addEventListener('scroll', function () {
    var rect = article.getBoundingClientRect();
    var done = Math.min(1, Math.max(0, -rect.top / Math.max(1, rect.height - window.innerHeight)));
    bar.style.width = (done * 100).toFixed(1) + '%';
  }, { passive: true });
})();"""
_COMMENTS = """var disqus_config = function () {
  this.page.url = document.querySelector('link[rel=canonical]') ?
    document.querySelector('link[rel=canonical]').href : location.href;
  this.page.identifier = location.pathname.split('/').pop().split('-')[0];
};
(function () {
  var thread = document.getElementById('disqus_thread');
  if (!thread) return;
  var observer = new IntersectionObserver(function (entries) {
    if (!entries[0].isIntersecting) return;
    observer.disconnect();
    var s = document.createElement('script');
    s.src = 'https://devdiscourse.disqus.com/embed.js';
    s.setAttribute('data-timestamp', +new Date());
    document.body.appendChild(s);
  });
  observer.observe(thread);
})();"""


def _navigation_json() -> str:
    """JSON-LD SiteNavigationElement list, as the layout prints for every page."""
    pages = {**{f"/news/{k}": v for k, v in SECTORS.items()}, **EDITIONS, **OTHER_PAGES}
    items = ",".join(
        f'{{"@type":"SiteNavigationElement","position":{n},"name":"{enc(name)}",'
        f'"url":"https://www.devdiscourse.com{path}"}}'
        for n, (path, name) in enumerate(pages.items(), 1)
    )
    return (
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"ItemList",'
        f'"itemListElement":[{items}]}}</script>'
    )


def _config_script() -> str:
    sectors = ",".join(f'{{"slug":"{s}","name":"{n}"}}' for s, n in SECTORS.items())
    editions = ",".join(f'{{"path":"{p}","name":"{n}"}}' for p, n in EDITIONS.items())
    return (
        f'window.ddConfig = {{"edition":"Global Edition","sectors":[{sectors}],'
        f'"editions":[{editions}],"labels":{list(LABELS)!r}}};'.replace("'", '"')
    )


HEAD_SCRIPTS = "\n".join(
    [
        '<script async src="https://www.googletagmanager.com/gtag/js?id=G-D3VD1SC0URS"></script>',
        f"<script>{_GTAG}</script>",
        '<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?'
        'client=ca-pub-0000000000000000" crossorigin="anonymous"></script>',
        f"<script>{_LAZY}</script>",
    ]
)
BODY_SCRIPTS = "\n".join(
    [
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>',
        '<script src="https://cdnjs.cloudflare.com/ajax/libs/lazysizes/5.3.2/lazysizes.min.js">'
        "</script>",
        f"<script>{_EDITION}</script>",
        f"<script>{_MENU}</script>",
        f"<script>{_SHARE}</script>",
        f"<script>{_NEWSLETTER}</script>",
        f"<script>{_FEEDBACK}</script>",
        f"<script>{_SCROLL}</script>",
        f"<script>{_CONSENT}</script>",
        f"<script>{_PUSH}</script>",
        f"<script>{_SEARCH}</script>",
        f"<script>{_VIDEO}</script>",
        f"<script>{_ADS}</script>",
        f"<script>{_PROGRESS}</script>",
        f"<script>{_COMMENTS}</script>",
        f"<script>{_config_script()}</script>",
        _navigation_json(),
    ]
)


def _links(pages: dict[str, str], css: str = "") -> str:
    attr = f' class="{css}"' if css else ""
    return "".join(
        f'<li><a href="{enc(href)}"{attr}>{enc(name)}</a></li>' for href, name in pages.items()
    )


def _header() -> str:
    sectors = {f"/news/{slug}": name for slug, name in SECTORS.items()}
    labels = {f"/stories/{label}": label.replace("-", " ").title() for label in LABELS}
    editions = "".join(
        f'<li><a href="{href}" data-edition="{enc(name)}">{enc(name)}</a></li>'
        for href, name in EDITIONS.items()
    )
    return (
        '<header class="site-header"><div class="top-bar container"><div class="row">'
        '<div class="col-xs-6"><button class="navbar-toggle" aria-label="Left Menu">'
        '<span class="icon-bar"></span><span class="icon-bar"></span><span class="icon-bar">'
        "</span></button> Left Menu</div>"
        '<div class="col-xs-6 text-right"><span class="edition">Development News Edition '
        '<b id="edition-label">Global Edition</b></span>'
        f'<ul class="edition-list dropdown-menu">{editions}</ul></div></div></div>'
        '<div class="container logo-row"><a href="/" class="logo"><img '
        'src="https://www.devdiscourse.com/images/logo.png" alt="Devdiscourse" width="260" '
        'height="48"></a></div>'
        '<nav class="navbar navbar-default" id="main-menu"><div class="container">'
        f'<ul class="nav navbar-nav"><li><a href="/">Home</a></li>{_links(labels, "nav-link")}</ul>'
        '<ul class="nav navbar-nav mega-menu"><li class="dropdown"><a href="#" class="dropdown-'
        f'toggle">Sectors</a><ul class="dropdown-menu">{_links(sectors)}</ul></li>'
        f'<li class="dropdown"><a href="#" class="dropdown-toggle">Agencies</a><ul class="dropdown'
        f'-menu">{_links(SOURCE_PAGES)}</ul></li>'
        f'<li class="dropdown"><a href="#" class="dropdown-toggle">More</a><ul class="dropdown-'
        f'menu">{_links(OTHER_PAGES)}</ul></li></ul>{_search_box()}</div></nav>'
        f'<div class="container trending-topics"><b>TRENDING TOPICS:</b><ul class="list-inline">'
        f"{_links({tag_href(t): t for t in TAG_POOL[:36]})}</ul></div></header>"
    )


def _search_box() -> str:
    return (
        '<form class="search-box navbar-form" role="search" action="/news" method="get">'
        '<input type="text" name="tag" placeholder="Search news, topics, countries" '
        'autocomplete="off" aria-label="Search"><button type="submit" class="btn">Search'
        '</button><ul class="suggestions dropdown-menu"></ul></form>'
    )


def _footer() -> str:
    sectors = {f"/news/{slug}": name for slug, name in SECTORS.items()}
    other = {k: v for k, v in OTHER_PAGES.items() if not k.startswith("/live")}
    return (
        '<div id="feedback-box" class="feedback" style="display:none"><textarea></textarea>'
        '</div><button id="feedback-btn" class="feedback-btn">Give Feedback</button>'
        '<footer class="site-footer"><div class="container"><div class="newsletter">'
        '<form onsubmit="return subscribeNewsletter(this)">Subscribe to our Newsletter '
        '<input type="email" placeholder="Email"> <button type="submit">Subscribe</button>'
        '</form></div><div class="row footer-links">'
        f'<div class="col-md-3"><h4>SECTORS</h4><ul>{_links(sectors)}</ul></div>'
        f'<div class="col-md-3"><h4>EDITIONS</h4><ul>{_links(EDITIONS)}</ul></div>'
        f'<div class="col-md-3"><h4>OTHER LINKS</h4><ul>{_links(other)}</ul></div>'
        '<div class="col-md-3"><h4>OTHER PRODUCTS</h4><ul><li>VisionRI</li><li>Devdiscourse '
        "Connect</li></ul><h4>CONNECT</h4><p>Devdiscourse</p><p>Email: info@devdiscourse.com</p>"
        "<p>Phone: +91-130-6444012, +91-7027739813, 14, 15</p></div></div>"
        '<div class="footer-bottom">VisionRI | <a href="/Home/Disclaimer">Disclaimer</a> | '
        'Terms of use | <a href="/Home/PrivacyPolicy">Privacy Policy</a><br>&#xA9; Copyright '
        "2026</div></div></footer>"
    )


HEADER = _header()
FOOTER = _footer()


def head_common() -> str:
    """The part of <head> every desktop page shares."""
    return (
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="index, follow, noodp, noydir">\n'
        '<link rel="alternate" type="application/rss+xml" title="Devdiscourse" '
        'href="/rss/website">\n'
        '<link rel="icon" href="https://www.devdiscourse.com/favicon.ico">\n'
        f"{STYLE}\n{HEAD_SCRIPTS}\n"
    )


def layout(title: str, head_extra: str, main: str, sidebar: str, lang: str = "en") -> str:
    """A full desktop page: header, main column, sidebar, footer, scripts."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<title>{enc(title)}</title>\n'
        f"{head_common()}{head_extra}</head>\n<body>\n{HEADER}\n"
        '<div class="container main-container"><div class="row">'
        f'<div class="col-md-8">{main}</div>\n<div class="col-md-4">{sidebar}</div>'
        f"</div></div>\n{FOOTER}\n{BODY_SCRIPTS}\n</body>\n</html>\n"
    )
