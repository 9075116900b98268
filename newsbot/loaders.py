"""`ArticleLoader` (and `UpdateLoader`, for a live blog's updates): which normalising functions
(newsbot/processors.py) each field goes through.

Values are added most visible source first (markup, then meta tags, then JSON-LD); `TakeFirst`
keeps the first one that survives normalisation, which is what makes each field a fallback chain.
"""

from collections.abc import Callable
from typing import Any, ClassVar

from itemloaders.processors import Compose, Identity, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from newsbot.items import Article
from newsbot.processors import (
    api_time,
    clean_text,
    distinct,
    distinct_tags,
    drop_boilerplate,
    drop_stock_image,
    image_from_proxy,
    join_paragraphs,
    parse_datetime,
    reconcile_times,
    to_ist_iso,
    update_id,
)


def absolute_url(url: str, loader_context: dict) -> str | None:
    """Resolve against the page URL, as the browser would (`img src` may be relative)."""
    text = clean_text(url)
    try:
        return loader_context["response"].urljoin(text) if text else None
    except ValueError:  # `http://[x`: a broken address is no image, not a broken page
        return None


class ArticleLoader(ItemLoader):
    default_item_class = Article
    default_input_processor = MapCompose(clean_text)
    default_output_processor = TakeFirst()

    created_in = MapCompose(parse_datetime)
    created_out = Compose(reconcile_times)
    updated_in = MapCompose(parse_datetime)
    updated_out = Compose(reconcile_times)

    image_url_in = MapCompose(clean_text, image_from_proxy, absolute_url, drop_stock_image)

    body_in = MapCompose(clean_text, drop_boilerplate)
    body_out = Compose(join_paragraphs)

    syndicated_in = Identity()

    tags_out = Compose(distinct_tags)
    countries_out = Compose(distinct)

    # itemloaders looks a field's processor up again for every value added and every output
    # (through the item's field metadata, a new ItemAdapter each time): a third of extraction's
    # cost. Each is looked up once per class and declared processor: the key holds the class
    # attribute (`countries_out`), so a subclass or a replaced processor is never served another's.
    _processors: ClassVar[dict[tuple[object, ...], Callable[..., Any]]] = {}

    def get_input_processor(self, field_name: str) -> Callable[..., Any]:
        return self._looked_up("in", field_name, super().get_input_processor)

    def get_output_processor(self, field_name: str) -> Callable[..., Any]:
        return self._looked_up("out", field_name, super().get_output_processor)

    def _looked_up(
        self, kind: str, field_name: str, lookup: Callable[[str], Callable[..., Any]]
    ) -> Callable[..., Any]:
        declared = getattr(self, f"{field_name}_{kind}", None)
        key = (type(self), kind, field_name, declared)
        processor = self._processors.get(key)
        if processor is None:
            processor = self._processors[key] = lookup(field_name)
        return processor


class UpdateLoader(ItemLoader):
    """One update of a live blog, from the updates API (newsbot/liveblog.py): a dict of
    items.UPDATE_FIELDS. Its text is normalised as the article's body is."""

    default_item_class = dict
    default_input_processor = MapCompose(clean_text)
    default_output_processor = TakeFirst()

    id_in = MapCompose(update_id)
    time_in = MapCompose(api_time, to_ist_iso)

    body_in = MapCompose(clean_text, drop_boilerplate)
    body_out = Compose(join_paragraphs)
