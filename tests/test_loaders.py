"""`ArticleLoader` looks each field's processors up once (newsbot/loaders.py): the cache must
serve whatever processor the class declares now, a subclass's or a replaced one."""

from itemloaders.processors import Compose

from newsbot.loaders import ArticleLoader
from newsbot.processors import distinct

COUNTRIES = ["India", "Nepal", "India"]


def countries(loader_class: type[ArticleLoader]) -> list[str]:
    loader = loader_class()
    loader.add_value("countries", COUNTRIES)
    return loader.get_output_value("countries")


class Shouting(ArticleLoader):
    countries_out = Compose(distinct, lambda names: [name.upper() for name in names])


def test_a_subclass_and_a_replaced_processor_are_each_served_their_own(monkeypatch):
    assert countries(ArticleLoader) == ["India", "Nepal"]
    assert countries(Shouting) == ["INDIA", "NEPAL"]
    assert countries(ArticleLoader) == ["India", "Nepal"], "the subclass's stays its own"
    monkeypatch.setattr(ArticleLoader, "countries_out", Compose(distinct, sorted, reversed, list))
    assert countries(ArticleLoader) == ["Nepal", "India"]
    monkeypatch.undo()
    assert countries(ArticleLoader) == ["India", "Nepal"]
