"""The article page in its three desktop markups and its AMP form (docs/site.md §5)."""

import random
import re
from datetime import UTC
from typing import Protocol
from urllib.parse import quote

from newsbot.replica.chrome import AMP_STYLE, layout
from newsbot.replica.content import SECTOR_IDS, SECTORS
from newsbot.replica.model import (
    APP_LINE,
    INPUTS_NOTE,
    MARKUPS,
    OPINION,
    STOCK_IMAGE,
    SYNDICATED_NOTE,
    ArticleData,
    amp_countries,
    live_tag_order,
    served_html,
)
from newsbot.replica.text import (
    IST,
    PRODUCTION,
    byline_time,
    byline_time_on,
    enc,
    iso_ist,
    iso_naive_utc,
    label_title,
    path_quote,
    tag_href,
)

SOURCE_PAGES = {
    "PTI": "/pti-stories",
    "Reuters": "/reuters-stories",
    "IANS": "/ians-stories",
    "UN News": "/un-news",
    "Devdiscourse News Desk": "/devdiscourse-stories",
    "ANI": "/ani-stories",
    "PR Newswire": "/pr-newswire",
}
STOCK_IMAGE_URL = PRODUCTION + STOCK_IMAGE
_AD = (
    '<div class="ad-container text-center"><small>Advertisement</small>'
    '<ins class="adsbygoogle" style="display:block" data-ad-client="ca-pub-0000000000000000" '
    'data-ad-slot="6170392516" data-ad-format="auto" data-full-width-responsive="true"></ins>'
    "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div>"
)
_IMG_TAG = re.compile(r"<img ([^>]*)>")
_IFRAME_TAG = re.compile(r"<iframe ([^>]*)></iframe>")


class LinkContext(Protocol):
    """What a site offers an article page: links to other articles for its sidebars."""

    def also_read(self, news_id: int) -> list[tuple[str, str]]: ...

    def sidebar(self, news_id: int) -> str: ...


def source_href(source: str) -> str:
    return SOURCE_PAGES.get(source, "/news-source/" + path_quote(source))


def author_href(author: str) -> str:
    return "/Home/AuthorArticles?fl=" + path_quote(author)


def description(data: ArticleData) -> str:
    return data.subtitle or f"Read more about {data.title} on Devdiscourse"


def page_title(data: ArticleData, markup: str) -> str:
    if markup == "pre2023":
        return data.title if data.news_id % 2 else f"{data.title} - Devdiscourse"
    return f"{data.title} | {label_title(data.label)}" if data.label else data.title


def resized(url: str) -> str:
    """The site's image resizer path for an image (current pages)."""
    return f"/img?imageUrl={quote(url, safe='')}&width=920&format=jpeg"


def og_image(data: ArticleData, markup: str) -> str:
    url = data.image.url if data.image else STOCK_IMAGE_URL
    if markup == "pre2023":
        return f"{PRODUCTION}/remote.axd?{url}"
    return resized(url)


def disclaimer_text(data: ArticleData) -> str | None:
    return {"syndicated": SYNDICATED_NOTE, "inputs": INPUTS_NOTE}.get(data.disclaimer or "")


def _meta(name: str, content: str, attr: str = "name") -> str:
    return f'<meta {attr}="{name}" content="{enc(content)}">\n'


def _news_article_json(data: ArticleData, markup: str, amp: bool, dates: bool = True) -> str:
    # The Opinion prefix is in this headline only; the @type stays NewsArticle (docs/site.md §8.4).
    prefix = f"{OPINION}: " if data.subtype == OPINION else ""
    title = enc(prefix + page_title(data, markup))
    desc = enc(description(data))
    # Since 2024 the template prints the description unquoted: invalid JSON, as on the site.
    desc_value = f'"{desc}"' if amp or markup == "pre2023" else desc
    if amp:
        published, modified = iso_naive_utc(data.created), iso_naive_utc(data.modified)
    else:
        # Pages without the itemprop metas come from templates that kept minutes only.
        seconds = data.meta_dates
        published = iso_ist(data.created, seconds)
        modified = iso_ist(data.modified, seconds)
    image = data.image.url if data.image else STOCK_IMAGE_URL
    date_fields = f'"datePublished":"{published}","dateModified":"{modified}",' if dates else ""
    return (
        '{"@context":"https://schema.org","@type":"NewsArticle","mainEntityOfPage":'
        f'{{"@type":"WebPage","@id":"{data.canonical_url}"}},"headline":"{title}",'
        f'"description":{desc_value},"image":{{"@type":"ImageObject","url":"{enc(image)}",'
        f'"width":920,"height":460}},{date_fields}'
        f'"author":{{"@type":"Person","name":"{enc(data.author or data.source)}"}},'
        '"publisher":{"@type":"Organization","name":"Devdiscourse","logo":{"@type":'
        '"ImageObject","url":"https://www.devdiscourse.com/images/logo.png"}}}'
    )


def _breadcrumb_json(data: ArticleData) -> str:
    crumbs = [("Home", PRODUCTION + "/"), ("News", PRODUCTION + "/news")]
    if data.sector:
        # The sector entry's name is the article's raw list of sector ids (docs/site.md §8.4).
        ids = ",".join(str(SECTOR_IDS.get(s, 0)) for s in data.sectors or (data.sector,))
        crumbs.append((ids, f"{PRODUCTION}/news/{data.sector}"))
    crumbs.append((data.title, data.canonical_url))
    items = ",".join(
        f'{{"@type":"ListItem","position":{n},"name":"{enc(name)}","item":"{enc(url)}"}}'
        for n, (name, url) in enumerate(crumbs, 1)
    )
    return (
        f'{{"@context":"https://schema.org","@type":"BreadcrumbList","itemListElement":[{items}]}}'
    )


def _head(data: ArticleData, markup: str, dates: bool = True) -> str:
    keywords = ", ".join(data.keywords)
    canonical = data.canonical_url
    parts = [
        _meta("description", description(data)),
        _meta("description", description(data), "itemprop"),
        _meta("keywords", keywords),
        _meta("news_keywords", keywords),
        f'<link rel="canonical" href="{enc(canonical)}">\n',
        f'<link rel="amphtml" href="{enc(canonical)}?amp">\n',
        _meta("og:url", canonical, "property"),
        _meta("og:type", "article", "property"),
        _meta("og:title", page_title(data, markup), "property"),
        _meta("og:description", description(data), "property"),
        _meta("og:site_name", "Devdiscourse", "property"),
        _meta("og:image", og_image(data, markup), "property"),
        _meta("article:author", data.source),
    ]
    if data.meta_dates and dates:
        parts.append(_meta("datePublished", iso_ist(data.created), "itemprop"))
        parts.append(_meta("dateModified", iso_ist(data.modified), "itemprop"))
    parts.append(
        f'<script type="application/ld+json">{_news_article_json(data, markup, False, dates)}'
        "</script>\n"
    )
    parts.append(f'<script type="application/ld+json">{_breadcrumb_json(data)}</script>\n')
    return "".join(parts)


def _breadcrumb(data: ArticleData, markup: str) -> str:
    css = {"2026": "article-breadcrumb", "2024": "breadcrumb breadcrumb_new"}.get(
        markup, "breadcrumb"
    )
    sector = ""
    if data.sector:
        name = SECTORS.get(data.sector, label_title(data.sector))
        sector = f'<li><a href="/news/{data.sector}">{enc(name)}</a></li>'
    return (
        f'<ul class="{css}"><li><a href="/">Home</a></li><li><a href="/news">News</a></li>'
        f'{sector}<li><span class="bc-current">Article</span></li></ul>'
    )


def _source_link(data: ArticleData, avatar: bool = True) -> str:
    if data.author and not avatar:
        return f'<a href="{enc(author_href(data.author))}">{enc(data.author)}</a>'
    if data.author:
        avatar = f"https://www.devdiscourse.com/images/authors/{path_quote(data.author)}.jpg"
        return (
            f'<a href="{enc(author_href(data.author))}" class="author-link">'
            f'<img src="{enc(avatar)}" class="author-avatar img-circle" alt="{enc(data.author)}" '
            'width="30" height="30"> '
            f"{enc(data.author)}</a>"
        )
    return f'<a href="{enc(source_href(data.source))}">{enc(data.source)}</a>'


def _location(data: ArticleData) -> str | None:
    if not data.location:
        return None
    if data.location in ("Washington DC", "Los Angeles"):
        return f"<span>{enc(data.location)}</span>"
    return f'<span class="text-capitalize">{enc(data.location)}</span>'


def _times(data: ArticleData) -> list[str]:
    if data.is_live_blog:
        # Through the server's own clock, labelled IST whatever it is; both times always
        # (docs/site.md §5.4).
        return [
            f"Updated: {byline_time_on(data.modified, data.server_utc)}",
            f"Created: {byline_time_on(data.created, data.server_utc)}",
        ]
    created = f"Created: {byline_time(data.created)}"
    if data.was_updated:
        return [f"Updated: {byline_time(data.modified)}", created]
    return [created]


def _byline(data: ArticleData, markup: str) -> str:
    if markup == "pre2023":
        source = _source_link(data) if data.author else enc(data.source)
        items = [source] + ([enc(data.location)] if data.location else []) + _times(data)
        lis = '<li class="list-divider">|</li>'.join(f"<li>{item}</li>" for item in items)
        return f'<ul class="list-inline m-b-10 m-t-10">{lis}</ul>'
    spans = [f"<span>{_source_link(data)}</span>"]
    location = _location(data)
    if location:
        spans.append(location)
    spans.append(f"<span>{' | '.join(_times(data))}</span>")
    inner = '<span class="list-divider"> | </span>'.join(spans)
    if markup == "2026":
        return f'<div class="metadata clearfix m-b-10 m-t-10">{inner}</div>'
    return f'<hr class="seperator"><div class="m-b-10 m-t-10">{inner}</div>'


def _video(data: ArticleData) -> str:
    poster = f' poster="{enc(data.image.url)}"' if data.image else ""
    return (
        '<div class="video-container"><video id="my-video" class="video-js vjs-default-skin '
        f'vjs-big-play-centered" controls preload="none" width="640" height="360"{poster} '
        'data-setup="{}"><source src="https://devdiscourse.blob.core.windows.net/videos/'
        f'{data.news_id}.mp4" type="video/mp4"><p class="vjs-no-js">To view this video enable '
        "JavaScript.</p></video></div>"
    )


def _figure(data: ArticleData) -> str:
    if data.video:
        return _video(data)
    title = enc(data.title)
    if data.image is None:
        return (
            f'<figure class="hidden figure"><picture><img src="{STOCK_IMAGE}" alt="{title}" '
            f'class="img-responsive lazyload"></picture><figcaption class="fig-caption">{title}'
            "</figcaption></figure>"
        )
    url = enc(data.image.url)
    caption = f"{enc(data.image.caption)} Image Credit: {enc(data.image.credit)}"
    return (
        f'<figure class="figure"><picture><source srcset="{url}" type="image/jpeg">'
        f'<img src="{url}" alt="{title}" class="img-responsive lazyload" width="920" '
        f'height="460"></picture><figcaption class="fig-caption">{caption}</figcaption></figure>'
    )


def _left_section(data: ArticleData) -> str:
    countries = ""
    if data.countries:
        items = "".join(f'<li class="fg-orange">{enc(c)}</li>' for c in data.countries)
        countries = f'<ul class="list-inline country-list"><li>Country:</li>{items}</ul>'
    buttons = "".join(
        f'<button type="button" class="share-btn share-{n}" data-share="{n}" aria-label="{n}">'
        f'<i class="fa fa-{n}"></i></button>'
        for n in ("facebook", "twitter", "linkedin", "whatsapp")
    )
    return (
        f'<section class="left-section">{countries}<div class="share-box"><span class="share-'
        f'title">SHARE</span>{buttons}</div></section>'
    )


def _summary_card(data: ArticleData) -> str:
    return (
        '<div class="ai-summary-card"><h4 class="ai-summary-title">AI Summary</h4>'
        f"<p>{enc(data.summary)}</p><small>Generated by AI; may contain errors.</small></div>"
    )


def _story(data: ArticleData, bot: bool, amp: bool) -> str:
    parts = []
    for index, block in enumerate(data.blocks):
        html = served_html(block.html)
        parts.append(_amp_block(html) if amp else html)
        # Ads sit between paragraphs for human visitors only.
        if not amp and not bot and index in (1, 4) and index < len(data.blocks) - 1:
            parts.append(_AD)
    note = disclaimer_text(data)
    if note and data.disclaimer_shown(bot):
        parts.append(f"<p>{enc(note)}</p>")
    if data.app_line and not amp:
        parts.append(f"<p>{APP_LINE}</p>")
    return "".join(parts)


def _amp_block(html: str) -> str:
    html = _IMG_TAG.sub(r'<amp-img \1 layout="responsive"></amp-img>', html)
    return _IFRAME_TAG.sub(
        r'<amp-iframe \1 layout="responsive" sandbox="allow-scripts allow-same-origin">'
        "</amp-iframe>",
        html,
    )


def _tags_block(data: ArticleData) -> str:
    parts = []
    if data.tags:
        links = "".join(
            f'<li><a href="{enc(tag_href(t))}" class="tag">{enc(t)}</a></li>' for t in data.tags
        )
        parts.append(
            f'<ul class="list-inline tag-list"><li class="f-18">READ MORE ON:</li>{links}</ul>'
        )
    if data.author:
        parts.append(
            '<ul class="list-inline"><li class="f-18">FIRST PUBLISHED IN:</li>'
            f'<li><span class="badge tag">{enc(data.source)}</span></li></ul>'
        )
    return f'<div class="tags-container">{"".join(parts)}</div>' if parts else ""


def _also_read(data: ArticleData, site: LinkContext | None) -> str:
    links = site.also_read(data.news_id) if site else []
    items = "".join(
        f'<li class="also-title"><a href="{enc(href)}">{enc(title)}</a></li>'
        for href, title in links
    )
    return (
        f'<div class="also-container"><h3 class="section-title3">ALSO READ</h3><ul>{items}</ul>'
        '</div><div class="comments-section"><h3>Leave a Comment</h3><div id="disqus_thread">'
        "</div></div>"
    )


def render_article_page(
    data: ArticleData,
    markup: str,
    bot: bool = False,
    site: LinkContext | None = None,
    dates: bool = True,
) -> str:
    """The desktop page of `data` in one of the markups "2026", "2024", "pre2023".

    `dates=False` is the page after a markup change: no byline element, no date anywhere.
    """
    if markup not in MARKUPS:
        raise ValueError(f"unknown markup {markup!r}")
    subtitle = f'<h2 class="sub-title">{enc(data.subtitle)}</h2>' if data.subtitle else ""
    byline = _byline(data, markup) if dates else ""
    main = (
        f'<article class="article-detail">{_breadcrumb(data, markup)}'
        f'<h1 class="title">{enc(data.title)}</h1>{subtitle}{byline}'
        f"{_figure(data)}{_left_section(data)}{'' if bot else _summary_card(data)}"
        f'<section class="article-cont">{_story(data, bot, amp=False)}</section>'
        f"{'' if bot else _tags_block(data)}{_also_read(data, site)}</article>"
    )
    sidebar = site.sidebar(data.news_id) if site else ""
    return layout(page_title(data, markup), _head(data, markup, dates), main, sidebar)


def amp_tag_order(data: ArticleData) -> list[str]:
    """The AMP page prints the tags shuffled, the same way on every request."""
    tags = list(data.tags)
    random.Random(f"amp:{data.news_id}:{len(tags)}").shuffle(tags)
    return tags


def _amp_media(data: ArticleData) -> str:
    title = enc(data.title)
    if data.video:
        poster = f' poster="{enc(data.image.url)}"' if data.image else ""
        return (
            f'<amp-video width="640" height="360" layout="responsive" controls{poster}>'
            f'<source src="https://devdiscourse.blob.core.windows.net/videos/{data.news_id}.mp4" '
            'type="video/mp4"></amp-video>'
        )
    if data.image is None:
        return ""
    # Protocol-relative to a host named `img` (docs/site.md §8.4): the path lost its leading part.
    return (
        f'<amp-img src="/{enc(resized(data.image.url))}" alt="{title}" width="920" height="460" '
        f'layout="responsive"></amp-img><p class="img-caption"><small>Image Credit: '
        f"{enc(data.image.credit)}</small></p>"
    )


def render_amp_page(data: ArticleData, bot: bool = False, dates: bool = True) -> str:
    """The `?amp` page (docs/site.md §5.3, §8.4); `dates=False` drops the times line and JSON-LD
    dates. The site answers 500 instead for agency stories (routes)."""
    keywords = ", ".join(data.keywords)
    subtitle = f'<h2 class="sub-title">{enc(data.subtitle)}</h2>' if data.subtitle else ""
    live_head, live_list = _live_amp_parts(data, dates) if data.is_live_blog else ("", "")
    source = "".join(f" | {enc(part)}" for part in (data.location, amp_countries(data)) if part)
    meta = f'<div class="meta"> {" | ".join(_times(data))} </div>' if dates else ""
    tags = ""
    if not bot and data.tags:
        links = "".join(
            f'<a href="{enc(tag_href(t))}" class="tag">{enc(t)}</a> ' for t in amp_tag_order(data)
        )
        tags = f'<div class="tags">{links}</div>'
    return (
        f'<!doctype html>\n<html \u26a1 lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{enc(data.title)}</title>\n"
        f'<link rel="canonical" href="{enc(data.canonical_url)}">\n'
        '<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">\n'
        f"{_meta('description', description(data))}{_meta('news_keywords', keywords)}"
        f"{_meta('article:author', data.source)}"
        f"{_meta('og:url', '/' + data.canonical_path, 'property')}"
        f"{_meta('og:image', og_image(data, '2026'), 'property')}"
        '<script async src="https://cdn.ampproject.org/v0.js"></script>\n'
        '<script async custom-element="amp-video" src="https://cdn.ampproject.org/v0/amp-video-'
        '0.1.js"></script>\n<style amp-boilerplate>body{visibility:hidden}</style>\n'
        f"<style amp-custom>{AMP_STYLE}</style>\n"
        f'<script type="application/ld+json">{_news_article_json(data, "2026", True, dates)}'
        f"</script>\n{live_head}"
        '</head>\n<body>\n<header class="amp-header"><a href="/">Devdiscourse</a></header>\n'
        f'<div class="news-box"><h1 class="title">{enc(data.title)}</h1>{subtitle}'
        f'<p class="source">{_source_link(data, avatar=False)}{source}</p>'
        f"{meta}{_amp_media(data)}"
        f'<div class="description">{_story(data, bot, amp=True)}</div>{tags}{live_list}</div>\n'
        '<footer class="amp-footer">&#xA9; Copyright 2026 Devdiscourse</footer>\n</body>\n</html>\n'
    )


# -- live blogs (docs/site.md §5.4, §8.3) ---------------------------------------------------------


def _last_modified(data: ArticleData) -> str:
    """The head's last-modified meta: the one time the view converts to IST explicitly."""
    return f'<meta http-equiv="last-modified" content="{iso_ist(data.modified)}">\n'


def _live_head(data: ArticleData, dates: bool) -> str:
    """The live-blog view's head: no itemprop dates, no NewsArticle or breadcrumb JSON-LD."""
    keywords = ", ".join(data.keywords)
    return "".join(
        [
            _meta("description", description(data)),
            _meta("keywords", keywords),
            _meta("news_keywords", keywords),
            f'<link rel="canonical" href="{enc(data.canonical_url)}">\n',
            f'<link rel="amphtml" href="{enc(data.canonical_url)}?amp">\n',
            _meta("og:url", data.canonical_url, "property"),
            _meta("og:type", "article", "property"),
            _meta("og:title", page_title(data, "2026"), "property"),
            _meta("og:description", description(data), "property"),
            _meta("og:site_name", "Devdiscourse", "property"),
            _meta("og:image", og_image(data, "2026"), "property"),
            _meta("article:author", data.source),
            _last_modified(data) if dates else "",
        ]
    )


def _live_meta(data: ArticleData, dates: bool) -> str:
    """`div.news-meta`: the fixed News Desk link whatever the source, the source URL lower-cased,
    the first country, then the two times between empty dividers; no ` | `, no city."""
    parts = ['<a href="/devdiscourse-stories/">Devdiscourse News Desk</a>']
    if data.source_url:
        parts.append(f'<span class="source-url">{enc(data.source_url.lower())}</span>')
    if data.countries:
        parts.append(f'<span class="country">{enc(data.countries[0])}</span>')
    divider = '<span class="meta-divider"></span>'
    times = divider.join(f"<span>{enc(part)}</span>" for part in _times(data))
    if dates:
        parts.append(f'<div class="news-date">{divider}{times}</div>')
    return f'<div class="news-meta">{"".join(parts)}</div>'


def _live_image(data: ArticleData) -> str:
    if data.image is None:
        return ""
    caption = f"{enc(data.image.caption)} Image Credit: {enc(data.image.credit)}"
    return (
        f'<div class="article-image-container"><img src="{enc(resized(data.image.url))}" '
        f'alt="{enc(data.title)}" class="img-responsive" width="920" height="460"></div>'
        f'<p class="meta">{caption}</p>'
    )


def _live_intro(data: ArticleData, bot: bool) -> str:
    """`div#newsDesc`: the intro, the disclaimer, then the tags and the countries inside it."""
    parts = [served_html(block.html) for block in data.blocks]
    note = disclaimer_text(data)
    if note and data.disclaimer_shown(bot):
        parts.append(f"<p>{enc(note)}</p>")
    if data.tags:
        links = " ".join(
            f'<a href="{enc(tag_href(t))}" class="badge tag">{enc(t)}</a>'
            for t in live_tag_order(data)
        )
        parts.append(f'<div class="live-tags"><strong>READ MORE ON :</strong> {links}</div>')
    if data.countries:
        badges = " ".join(f'<span class="badge">{enc(c)}</span>' for c in data.countries)
        parts.append(f'<div class="live-countries"><strong>COUNTRY :</strong> {badges}</div>')
    return f'<div class="newsDescArticle" id="newsDesc">{"".join(parts)}</div>'


def _live_script(data: ArticleData) -> str:
    """The page's own loader of updates: it asks from page 2 on (docs/site.md §5.4)."""
    return (
        "<script>var subBlogPage = 2; function loadSubBlogs() { fetch('/api/Search/GetSubBlogs/"
        f"{data.news_id}/' + subBlogPage++).then(function (r) {{ return r.json(); }}); }}"
        "</script>"
    )


def render_live_blog_page(
    data: ArticleData, bot: bool = False, site: LinkContext | None = None, dates: bool = True
) -> str:
    """The desktop page of a live blog; `bot` is the view's own, case-sensitive test of the
    User-Agent (docs/site.md §5.4). The updates are not on it: `div#news-content` stays empty.
    `dates=False` is the page after a markup change: no time anywhere."""
    subtitle = f'<h2 class="subtitle">{enc(data.subtitle)}</h2>' if data.subtitle else ""
    main = (
        '<em class="live">LIVE</em><article class="live-blog">'
        f'<h1 class="title">{enc(data.title)} </h1>{subtitle}<hr class="hrcss">'
        f"{_live_meta(data, dates)}{_live_image(data)}{_live_intro(data, bot)}"
        f'<div id="news-content"></div>{_live_script(data)}</article>'
    )
    sidebar = site.sidebar(data.news_id) if site else ""
    return layout(page_title(data, "2026"), _live_head(data, dates), main, sidebar)


def _live_amp_parts(data: ArticleData, dates: bool) -> tuple[str, str]:
    """The AMP live blog's head additions (the last-modified meta, assumed to come with the
    shared head; a LiveBlogPosting JSON-LD whose coverageStartTime has no offset and whose
    object ends with a comma) and its empty `amp-live-list`."""
    start = data.created.astimezone(UTC if data.server_utc else IST)
    posting = (
        '{"@context":"https://schema.org","@type":"LiveBlogPosting",'
        f'"headline":"{enc(data.title)}","coverageStartTime":"'
        f'{start.month}/{start.day}/{start.year} {start.strftime("%I:%M:%S %p").lstrip("0")}",}}'
    )
    head = (
        f"{_last_modified(data) if dates else ''}"
        '<script async custom-element="amp-live-list" src="https://cdn.ampproject.org/v0/'
        'amp-live-list-0.1.js"></script>\n'
        f'<script type="application/ld+json">{posting}</script>\n'
    )
    live_list = (
        '<amp-live-list id="live-list" data-poll-interval="15000" data-max-items-per-page="10">'
        '<button update on="tap:live-list.update">New updates</button><div items></div>'
        "</amp-live-list>"
    )
    return head, live_list
